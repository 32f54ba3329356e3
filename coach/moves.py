"""The phrases that mark moves in a conversation: urgency, a clear no, pushing on, brushing off a
concern, walking away, referring, recommending. The director reads them in each user turn, and
the critique looks for them in whole transcripts, so both judge a move the same way.
"""

from __future__ import annotations

import re

URGENCY = re.compile(
    r"(decide|answer|yes|commit|sign|book|lock)[\w' ,]{0,30}(on this call|before (we|"
    r"you) (hang up|leave|go)|right now|today)|don'?t sit on it|(i )?wouldn'?t wait|"
    r"would be a mistake|can'?t afford not to|don'?t wait around|say yes now|if you (go away|"
    r"wait|take the weekend)|momentum'?s gone|lose the whole|(i'?d )?need your answer|"
    r"\b(today only|only today|ends (today|tonight|tomorrow|friday|this week|at midnight)|"
    r"(offer|price|deal|discount|rate) (ends|expires|is only (good|valid))|expires? (today|"
    r"tonight|tomorrow|soon|at|on)|last chance|limited[- ]time|only (one|two|three|\d+|a few) "
    r"(spots?|slots?|places?|seats?|openings?) left|(sign|decide|commit|book|lock (it|this) in)"
    r"( it)? (today|now|right now|tonight|by (tonight|tomorrow|friday))|price (goes|will go) up|"
    r"won'?t last|act (now|fast)|now or never|hurry|need (an answer|your answer|a decision|you "
    r"to decide|to know) (today|now|by)|before (it'?s|they'?re) gone|someone else (is|was) "
    r"(interested|looking)|other (candidates|clients) (are|were) (waiting|interested)|"
    r"(by|before) end of (day|today)|clock is ticking)",
    re.I,
)
CLEAR_NO = re.compile(
    r"it'?s (really |just )?a no|done discussing|withdraw|(i|we) don'?t think (it'?s|this is|"
    r"you'?re|that'?s) (for|right|a (good )?fit)|thanks,? but no|but no\b|(it'?s|"
    r"that'?s) a no from|\b(no,? thanks|no thank you|not interested|(i|we)'?ll pass|"
    r"going to pass|(i|we)'?ve "
    r"decided (not|to go with)|not for (us|me)|(we|i)'?re going (with|to go with) (someone|"
    r"another|a different)|i'?m going to say no|the answer is no|decided against|(we|i)'?re not "
    r"going (ahead|to go ahead)|not going ahead|i'?m (going to )?(decline|turn(ing)? (it|this) "
    r"down)|i'?ll have to decline|i don'?t want (it|this|to)|please stop)",
    re.I,
)
PUSH = re.compile(
    r"let me (walk|book|share|show|tell|put|just|send)|have you seen|before you close the door|"
    r"don'?t rule (me|us|it|this) out|give (me|us) a (trial|chance|shot)|\banyway\b|pencil (in|"
    r"you)|think (about )?how much|come on|you won'?t regret|don'?t decide yet|please (don'?t|"
    r"reconsider)|\b(reconsider|change your mind|what would it take|are you sure|just (try|sign|"
    r"give)|"
    r"give (it|us|me) a (try|shot|chance)|one more (time|chance|thing)|(extra|special|another) "
    r"(discount|deal|offer)|\d+ ?% off|throw in|free (month|session|week)|lower (the|my) "
    r"(price|rate)|i can (do|go) (it )?(for|lower|cheaper)|how about (if|we)|let me (convince|"
    r"persuade|show you)|you'?ll regret|think (about it )?again|don'?t (say no|decide) (yet|"
    r"now)|at least (try|take)|but (what if|consider))",
    re.I,
)
ACCEPTS_NO = re.compile(
    r"\b(understood|i understand|that'?s fine|no problem|fair enough|of course|i respect|"
    r"completely understand|thanks for (telling|letting)|makes sense|good luck|all the best|"
    r"wish you (well|the best))",
    re.I,
)
CONCERN = re.compile(
    r"\b(worr(y|ied|ies)|concern(ed|s)?|nervous|afraid|anxious|not sure|unsure|hesitant|"
    r"problem|issue|risk|expensive|too much|pricey|over (my|our) budget|burn(ed|t)|bad "
    r"experience|what if|doubt|scared|tricky|struggle|can'?t afford|tight)\b",
    re.I,
)
DISMISS = re.compile(
    r"non-?issue|second thought|worked up|\bsilly\b|worrying about nothing|read anything into|"
    r"not (really )?(something|anything) to worry|everybody (says|is|gets)|everyone'?s (nervous|"
    r"worried)|it'?s (really )?nothing|not a (real )?concern|nobody (should|is going to)|"
    r"people always|(don'?t (you )?worry( about (that|it))?|not a (big |real )?(deal|problem|"
    r"issue|concern)|"
    r"trust me|(won'?t|will not) be (a|an) (problem|issue)|everyone (says|worries about) that|"
    r"(you'?re )?overthinking|that'?s (nothing|irrelevant|not important|silly|just nerves)|"
    r"never (happens|been an issue)|no one (ever )?(has|had|complains)|relax|you'?ll be "
    r"(fine|okay)|nothing to worry about|doesn'?t (really )?matter|not something (you need|to) "
    r"worry|that'?s a minor|forget about (that|it)|let'?s not (worry|dwell|get hung up)|"
    r"it'?s fine,? really|you'?re worrying too much|that'?s just how)",
    re.I,
)
GUARANTEE = re.compile(
    r"\b(guarantee[ds]?|100 ?%|never (fail|miss|late|had a)|always (on time|deliver|works)|"
    r"every (single )?(client|customer|student|one of)|zero risk|risk[- ]free|i promise|"
    r"we promise|without fail|double your|triple your|definitely (will|get)|certain(ly)? (to|"
    r"will))",
    re.I,
)
NEGATION = re.compile(
    r"\b(no|not|don'?t|doesn'?t|didn'?t|can'?t|cannot|won'?t|isn'?t|aren'?t|never|"
    r"haven'?t|hasn'?t|without|unfortunately|except|only)\b",
    re.I,
)
DISCLOSURE_CUE = re.compile(
    r"\b(to be (honest|upfront|transparent|clear|straight)|be (straight|upfront|honest)|one "
    r"thing you should know|i should (tell|mention|say|be clear)|heads[- ]up|the catch|downside|"
    r"limitation|i'?ll be (honest|straight|upfront)|full disclosure|you should know|fair to "
    r"(say|tell))",
    re.I,
)
NEED = re.compile(
    r"\b(need|needs|looking for|has to|have to|must|important|require|want|wants|would like|"
    r"i'?d like|hoping|can you|could you|do you|does it|will it|is there|are there|essential|"
    r"non-negotiable|deal[- ]breaker|matters)\b",
    re.I,
)
WALK_AWAY = re.compile(
    r"(we'?re|i'?m|this is|it'?s) (probably )?not (right|the right \w+|what you need)|(right|"
    r"wrong) pick|not right for (me|you)|don'?t think (we'?re|i'?m|this is|it'?s) (the )?right|"
    r"rather tell you now|(is|isn'?t) (the )?right (fit|one)|\b(not (the |a )?(right|good|"
    r"great) (fit|match)|(i|we) (can'?t|cannot|won'?t be able to|"
    r"couldn'?t) (really )?(help|serve|support|do (that|this|it) (well|properly|for you))|"
    r"wouldn'?t be (fair|right|honest)|better served|i'?d rather not take|i don'?t think (we|i)"
    r"('re| am| are| would be)? (the right|a good|right for)|shouldn'?t (buy|sign|hire|take)|"
    r"(i'?m|we'?re) not (the right|a good) (person|fit|choice)|wrong (person|fit|choice)|"
    r"not what you need|i'?d be doing you a disservice|(i|we) (can'?t|won'?t) (take|accept) "
    r"(you|this|the job|your money)|withdraw)",
    re.I,
)
REFERRAL = re.compile(
    r"better (match|fit|choice|option) for|(i'?d|you could|you might|you should) (call|try|"
    r"contact|ask|email|ring) (them|her|him|their)|directory|(send|give|pass) (you )?(her|his|"
    r"their) (details|number|contact|email|name)|introduce you|pass your (cv|name|details)|"
    r"start with (your|a)|is hiring|(friend|colleague) of mine|\b(refer you|recommend (someone|"
    r"another|a different|you (talk|speak|try|look|call|"
    r"contact))|i'?d (recommend|suggest) (talking|speaking|looking|trying|calling|contacting|"
    r"someone|a |an )|you (might|could|should) (try|look at|talk to|contact|call|check out)|"
    r"check out|someone else (who|would|could|might)|another (provider|consultant|designer|"
    r"coach|firm|company|bookkeeper|agency|studio|tutor|service)|(i|we) know (someone|a "
    r"(great|good))|happy to (introduce|connect) you|put you in touch)",
    re.I,
)
RECOMMEND = re.compile(
    r"(send|email) (you |it |over )?(the |a |my )?(agreement|contract|invoice|booking form|offer|"
    r"paperwork|confirmation|proposal|quote now)|sign you up|set (up|you up) (the|with)|(book|"
    r"put you down for) (a|the|your|you)|welcome (aboard|to)|make you an offer|love to (start|"
    r"move forward|join)|when (could|can) i start|exactly (what|who) you('?re looking for| need)|"
    r"strong match|good fit\\. shall|locked in|get hr to|want me to set up|(shall|should|"
    r"can) i (send|book|sign|set)|\b(shall we|let'?s (get (you )?started|do it|book|sign|set (it|"
    r"that|this) up|go ahead)|"
    r"(can|could) i (book|send|sign|get you|put you down)|send (you|over) (the|a) (contract|"
    r"agreement|invoice|proposal|offer)|ready to (sign|start|move forward|go ahead|commit)|sign "
    r"(up|the|today|now)|(i|we)'?d (love|like) to (offer|have|hire|work with) you|(we'?re|i'?m) "
    r"(happy|pleased|delighted) to offer|offer you the (job|role|position)|perfect (fit|for you|"
    r"match)|you won'?t regret|start (on )?(monday|next week|tomorrow)|when can you start|"
    r"welcome (aboard|to the team)|do we have a deal|get the ball rolling|lock (it|this) in)",
    re.I,
)
QUESTION_OPEN = re.compile(
    r"^\s*(what|how|why|where|who|which|when|tell me|describe|walk me through|talk me through|"
    r"help me understand|could you (tell|describe|walk|explain)|can you (tell|describe|walk|"
    r"explain))",
    re.I,
)
PITCH = re.compile(
    r"\b(we offer|i offer|our (service|product|plan|package|team|solution|platform|program)|my "
    r"(service|product|package|program|programme|plan)|i can help you|we can help you|you'?ll "
    r"(love|get|save)|includes?|we (do|handle|provide|deliver)|i (do|handle|provide|deliver|"
    r"specialise|specialize))",
    re.I,
)
MONEY = re.compile(
    r"(?:[$€£]\s?\d[\d,]*(?:\.\d+)?(?:\s?[kK])?|\b\d[\d,]*(?:\.\d+)?\s?(?:dollars|euros|pounds|"
    r"usd|eur|gbp|k)\b|\b\d{1,3}\s?%)",
    re.I,
)
