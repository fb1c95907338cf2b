"""The demo statement's sections in English, as the council and the trust wrote them for version 1.

{area} is the area's name and {trust_phone} the children's trust's phone number (both from settings); every
translation beside this file keeps the same placeholders and the same keys."""

TITLE = "Short Breaks Statement"

SECTIONS = {
    "introduction": (
        "This statement tells families in {area} what short breaks there are for disabled children and young "
        "people up to 25, who can use them and how to get them.\n\n"
        "It is written by {area} City Council, which pays for universal and targeted breaks, and the children’s "
        "trust, which pays for specialist breaks after an assessment. You can find and book every break in one "
        "place: the local offer on this website."),
    "carers_needs": (
        "Short breaks give disabled children a good time away from their parent carers, and give parent carers "
        "time for themselves. We plan the range for two groups of carers:\n\n"
        "- carers who could not go on caring without a break\n"
        "- carers who could care better if they had time to work, study, rest, look after their other children "
        "or run the home\n\n"
        "So there are breaks in the day, in the evening, at weekends and in the school holidays, in the child’s "
        "home and away from it, and overnight stays for children who need them. We look at where families live "
        "and put more places where more children need them."),
    "eligibility_universal": (
        "Universal breaks are for every disabled child and young person and their family. You do not need a "
        "diagnosis, an assessment or a referral. Book them yourself on the local offer."),
    "eligibility_targeted": (
        "Targeted breaks are for children with additional needs who meet at least one of these:\n\n"
        "- an education, health and care (EHC) plan\n"
        "- a diagnosis of a disability or long-term condition\n"
        "- disability benefits such as Disability Living Allowance\n\n"
        "You do not need a social care assessment. These are a guide, not a rule that shuts anyone out: if your "
        "child does not meet them but you think a targeted break would help, ask us and we will look at your "
        "family’s circumstances."),
    "eligibility_specialist": (
        "Specialist breaks, including overnight stays, are for children whose needs are assessed by a social "
        "worker under section 17 of the Children Act 1989. Any family can ask for an assessment at any time, "
        "from the local offer or by phoning the children’s trust on {trust_phone}.\n\n"
        "If the assessment finds that your child needs a specialist break, the resource panel agrees a personal "
        "budget. If we decide not to provide a break, or to reduce one, we tell you in writing with our reasons "
        "and how to ask us to look again. A decision-maker can make an exception to any criterion, with reasons."),
    "how_to_get": (
        "Universal and targeted breaks: find a break on the local offer, check it suits your child, and book a "
        "place. If a session is full, join the waiting list and we will email you if a place comes free.\n\n"
        "Specialist breaks: ask for an assessment from the break’s page on the local offer. Once a personal "
        "budget is agreed, you can book specialist breaks with it or take it as a direct payment."),
    "budgets": (
        "A personal budget is an amount of money for your child for the year, agreed after an assessment. The "
        "children’s trust can hold it for you and pay providers when you book, or pay it to you as a direct "
        "payment so that you choose and pay for breaks yourself.\n\n"
        "We check how direct payments are used three months after they start and then every year. Money not "
        "used for your child’s breaks may be asked back. If we plan to reduce or stop a budget we write to you "
        "first, with our reasons and the date it changes."),
    "consultation": (
        "We wrote this statement with the parent carer forum and families who use short breaks.\n\n"
        "- You said it was hard to find breaks in one place. We put every break, whoever pays for it, on the "
        "local offer.\n"
        "- You said families in the east of the city waited longest. We added Saturday and holiday sessions there.\n"
        "- You said eligibility rules had been applied as blanket bans. We made the criteria a guide and "
        "explained how to ask for an assessment or an exception."),
    "comments": (
        "Tell us what you think of short breaks or of this statement at any time: use the consultation page "
        "when a new draft is out, email shortbreaks@example.org, or ask your parent carer forum to raise it "
        "for you.\n\n"
        "To complain about a break or a decision, use the council’s or the trust’s complaints procedure. You can "
        "also ask the Local Government and Social Care Ombudsman to look at a complaint we have not put right."),
    "copies": (
        "This statement is on the website as a page and as a PDF in English, Urdu, Punjabi, Bengali, Arabic "
        "and Polish. Ask us for large print, easy read, audio or another language by emailing "
        "shortbreaks@example.org, and we will send it within ten working days. Printed copies are at every "
        "library and family hub."),
}

# Version 2 adds this to how_to_get in English only, so its translations are older than its English.
ADDED_HELP = "\n\nYou can also ask your child’s school or family hub to help you book."
