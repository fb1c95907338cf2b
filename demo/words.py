"""The demo's words: names, places, offer titles and copy, reasons. Data only; the modules that build each part of the
area choose from these with the demo's random generator, so changing a list changes the area it builds."""
from providers.models import Category, PaymentRoute, Tier

# --- the area: places and postcode districts in each locality, in the order the localities are made -----------

PLACES = {
    "North": ("Erdington", "Kingstanding", "Sutton Coldfield", "Castle Vale", "Stockland Green", "Perry Common",
              "Great Barr", "Oscott"),
    "East": ("Hodge Hill", "Ward End", "Alum Rock", "Stechford", "Yardley", "Sheldon", "Small Heath",
             "Bordesley Green", "Shard End", "Washwood Heath", "Acocks Green", "Tyseley", "Kitts Green"),
    "South": ("Northfield", "Kings Norton", "Selly Oak", "Bournville", "Longbridge", "Hall Green", "Moseley",
              "Kings Heath", "Weoley Castle", "Billesley", "Stirchley", "Druids Heath"),
    "West and Central": ("Edgbaston", "Ladywood", "Handsworth", "Aston", "Harborne", "Digbeth", "Nechells",
                         "Lozells", "Winson Green", "Quinton", "Jewellery Quarter", "Sparkbrook", "Balsall Heath"),
}
POSTCODES = {
    "North": ("B23", "B24", "B35", "B44", "B72", "B73", "B74", "B75", "B76"),
    "East": ("B8", "B9", "B10", "B25", "B26", "B27", "B33", "B34", "B36"),
    "South": ("B13", "B14", "B28", "B29", "B30", "B31", "B38"),
    "West and Central": ("B1", "B4", "B5", "B6", "B7", "B12", "B15", "B16", "B17", "B18", "B19", "B20", "B21", "B32"),
}
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the letters used in the second half of a postcode

# --- people ---------------------------------------------------------------------------------------------------

WOMEN = (
    "Amina Sarah Fatima Emma Nadia Claire Shazia Rebecca Aisha Gemma Priya Joanne Samina Lisa Michelle "
    "Yasmin Kelly Rukhsana Agnieszka Grace Hannah Sadia Leanne Nasreen Chloe Ruth Tanya Bushra Marcia"
).split()
MEN = "Imran David Tariq Paul Kwame Daniel Asif James Mohammed Lee Craig Bilal Tomasz Winston Gary Hamza".split()
CHILD_NAMES = (
    "Oliver Muhammad Amelia Noah Isla Zain Ava Leo Aaliyah Harry Maryam Jack Ibrahim Poppy Yusuf Freya "
    "Arlo Zara Alfie Hafsa Ethan Lily Musa Grace Theo Ayesha Jacob Mia Kai Eesa Ruby Adam Sofia Reuben "
    "Hannah Oscar Inaya Tyler Jasmine Mason Aisha Riley Safa Callum Nikola Amir Keira Josiah Hollie Ali"
).split()
SURNAMES = (
    "Khan Ahmed Hussain Ali Begum Smith Jones Williams Taylor Brown Davies Evans Patel Singh Kaur Sharma "
    "Mahmood Akhtar Iqbal Rahman Uddin Miah Campbell Clarke Thomas Walker Wright Robinson Green Hall Wood "
    "Morris Nowak Kowalski Mensah Okafor Adeyemi Osei Mohamed Abdi Hassan Farah Yusuf O'Connor Murphy "
    "Johnson Lewis Edwards Bibi Shah Chaudhry Bashir Grant Francis Reid Baker Turner Hughes Dhillon"
).split()
EMERGENCY_CONTACTS = ((WOMEN, ("grandmother", "aunt", "mum", "neighbour", "family friend")),
                      (MEN, ("grandfather", "uncle", "dad", "neighbour", "family friend")))

NEEDS_NOTES = {
    "autism": ("Finds loud, busy rooms hard; ear defenders help.",
               "Needs warning before changes to the routine; a visual timetable helps."),
    "learning": ("Understands short, simple sentences; Makaton helps.",),
    "communication": ("Non-verbal; uses a picture board and some Makaton.",),
    "adhd": ("Very active; needs movement breaks and clear, short instructions.",),
    "semh": ("Can become anxious with new people; a named key worker helps.",),
    "physical": ("Uses a wheelchair and needs a hoist for changing.", "Walks short distances with a frame."),
    "health": ("Has epilepsy; rescue medication (buccal midazolam) is in their bag.",
               "Fed by gastrostomy; staff need training to use the pump."),
    "hearing": ("Profoundly deaf; uses British Sign Language.", "Wears hearing aids; please face them when speaking."),
    "vision": ("Registered blind; uses a cane and needs a guide in new places.",),
}
# Most children the portal serves are of school age.

APPROVED_REASONS = (
    "Assessment under section 17 completed. {name} needs 1:1 support at all times and the family needs "
    "regular overnight breaks to keep caring. Agreed by the resource panel.",
    "{name}'s needs cannot be met safely in universal or targeted breaks. Specialist day care and a sitting "
    "service agreed; personal budget set by the resource panel.",
    "The parent carer cannot go on caring without regular breaks. Overnight short breaks agreed as part of "
    "the child in need plan.",
)
REFUSED_REASON = ("{name}'s needs can be met through targeted breaks at present. The family has been told how to "
                  "ask for a review and how to complain.")
REVIEW_REASON = ("Review of the earlier decision: {name}'s needs have changed since the last assessment. "
                 "Decision recorded after the review meeting with the family.")
# Who referred a child for an assessment (name, role and organisation, as the trust writes it).
REFERRERS = (
    "Dr Priya Sharma, community paediatrician, Birmingham Community Healthcare",
    "Karen Doyle, SENCo, Kingstanding primary school",
    "Tariq Hussain, social worker, children with disabilities team",
    "Joanne Ellis, health visitor, Small Heath",
    "Dr Michael Osei, consultant neurologist, Birmingham Children's Hospital",
    "Agnieszka Nowak, family support worker, Erdington early help hub",
    "Bernadette Walsh, specialist nurse, complex care team",
    "Sajid Rahman, educational psychologist, Birmingham Educational Psychology Service",
)
# What a family writes when asking for an assessment.
REQUEST_MESSAGES = (
    "{name} needs someone with them all the time now and we are struggling to cope. Could {name} be assessed "
    "for overnight breaks?",
    "We have tried the clubs near us but {name} cannot manage without 1:1 support. We would like an assessment.",
    "{name}'s needs have grown since starting secondary school. We would like to talk about specialist breaks.",
    "I care for {name} on my own and have not had a night off in over a year. Please can we be assessed?",
    "{name} was discharged from hospital recently and needs nursing care. Could we ask about a sitting service?",
    "Our family support worker suggested we ask for an assessment for {name}.",
)
DEMO_REQUEST_MESSAGE = ("Zain finds busy clubs very hard, even with ear defenders. We would like to know whether a "
                        "sitting service at home could help, so that we can spend time with his sister.")



# --- providers and offers -------------------------------------------------------------------------------------

PROVIDER_NAMES = {
    "sport": ("{place} Inclusive Sports Club", "{place} Ability Football Club", "{place} Wheelchair Sports Club",
              "{adjective} {noun} Sports Trust", "{place} Disability Sports Network"),
    "arts": ("{place} Community Arts", "{adjective} {noun} Arts Collective", "{noun} Theatre Company",
             "{place} Inclusive Music Project"),
    "youth": ("{place} Youth Project", "{place} Inclusive Youth Club", "{adjective} {noun} Youth Trust",
              "{place} Young People's Network"),
    "play": ("{adjective} {noun} Play Association", "{place} Adventure Playground", "{adjective} {noun} Family Support",
             "{place} Family Centre", "{adjective} {noun} Children's Charity"),
    "care": ("{tree} House Short Breaks", "{adjective} {noun} Care Services Ltd", "{tree} Lodge Children's Services",
             "{adjective} {noun} Support CIC", "{place} Home Care for Children Ltd"),
}
ADJECTIVES = "Bright Rainbow Little Sunny Open Golden Kind Bold Gentle Shining Happy Brave Together Rising".split()
NOUNS = ("Steps Acorns Stars Sparks Roots Wings Bridges Pathways Lanterns Kites Meadows Harbour Compass "
         "Footprints").split()
TREES = "Oakwood Willow Cedar Birch Rowan Maple Hazel Elm Holly Beech Aspen Larch Linden Alder".split()
EMAIL_BOXES = ("hello", "info", "bookings", "enquiries", "admin")

ACTIVITIES = {
    Category.AFTER_SCHOOL: ("After-School Club", "Homework and Play Club", "After-School Sensory Club",
                            "After-School Sports Club"),
    Category.HOLIDAY: ("Holiday Play Scheme", "Holiday Activity Club", "Holiday Sports Camp"),
    Category.YOUTH_CLUB: ("Inclusive Youth Club", "Teen Social", "Gaming Club", "Cooking and Life Skills Club"),
    Category.SPORT: ("Inclusive Football", "Wheelchair Basketball", "Swimming for All", "Sensory Swim", "Trampolining",
                     "Boccia", "Climbing Club", "Multi-sports", "Judo", "Cycling for All", "Frame Football"),
    Category.ARTS: ("Drama Club", "Music Makers", "Street Dance", "Singing and Signing", "Pottery and Clay",
                    "Film Club", "Creative Crafts", "Sensory Music"),
    Category.FAMILY: ("Family Fun Day", "Family Swim", "Stay and Play", "Farm Visit Day", "Family Sensory Session"),
    Category.OUTDOOR: ("Forest School", "Outdoor Adventure Day", "Canoeing Taster", "Gardening Club",
                       "Nature Explorers", "Bushcraft"),
    Category.SITTING: ("Sitting Service", "Home Sitting Service", "Sitting and Befriending"),
    Category.DAY_CARE: ("Inclusive Day Care", "Day Care Club"),
    Category.OVERNIGHT: ("Overnight Short Breaks", "Overnight Stays", "Overnight Stays with Nursing Care"),
}
SPECIALIST_ACTIVITIES = {
    Category.HOLIDAY: ("1:1 Holiday Play Scheme", "Specialist Holiday Club"),
    Category.DAY_CARE: ("1:1 Day Care", "Specialist Day Care", "Day Care with Nursing Support"),
}

VENUES = {
    Category.AFTER_SCHOOL: ("{surname} Special School, {place}", "{place} Primary School", "{place} Play Centre"),
    Category.HOLIDAY: ("{surname} Special School, {place}", "{place} Play Centre", "{place} Community Centre"),
    Category.YOUTH_CLUB: ("{place} Youth Centre", "{place} Community Centre"),
    Category.SPORT: ("{place} Leisure Centre", "{place} Wellbeing Centre", "{place} Community Sports Hub"),
    Category.ARTS: ("{place} Arts Centre", "{place} Library", "{place} Community Centre"),
    Category.FAMILY: ("{place} Park", "{place} Community Centre", "{place} City Farm"),
    Category.OUTDOOR: ("{place} Park", "{place} Nature Reserve", "{place} Outdoor Centre"),
    Category.SITTING: ("In your own home, anywhere in {locality}",),
    Category.DAY_CARE: ("{tree} Centre, {place}",),
    Category.OVERNIGHT: ("{tree} House, {place}",),
}
# (what it is, in a clause for the summary; a sentence for the description)
CATEGORY_COPY = {
    Category.AFTER_SCHOOL: ("play, games and a snack after school, with staff who know how to help.",
                            "Children are collected from school or dropped off by their families and spend the "
                            "afternoon playing, making things and winding down."),
    Category.HOLIDAY: ("full days of play, trips and activities in the school holidays.",
                       "Each day has a plan with quiet times built in, and there is a trip out most weeks."),
    Category.YOUTH_CLUB: ("a relaxed evening club to meet friends, play games and try new things.",
                          "Young people choose what happens: games, music, cooking, trips and just hanging out."),
    Category.SPORT: ("sessions led by qualified coaches who adapt every activity so everyone can take part.",
                     "Try a new sport, make friends and get active at your own pace."),
    Category.ARTS: ("creative sessions in a welcoming, accepting space.",
                    "Make, perform and play with others; there is a sharing for families at the end of each term."),
    Category.FAMILY: ("activities the whole family can enjoy together, brothers and sisters too.",
                      "Meet other families, try something new together and let staff help when you need a hand."),
    Category.OUTDOOR: ("time outdoors exploring, building and learning new skills.",
                       "Sessions run in most weathers; waterproofs and wellies are there to borrow."),
    Category.SITTING: ("a trained sitter who comes to your home so you can have time for yourself.",
                       "The same sitter comes each time so your child gets to know them, and your child can stay "
                       "somewhere familiar."),
    Category.DAY_CARE: ("a full day of care and activities with trained staff.",
                        "Staff follow your child's care plan and can give medication, personal care and feeds."),
    Category.OVERNIGHT: ("an overnight stay with trained care staff, so the family can rest.",
                         "Children arrive in the early evening, have tea and activities, and stay until after "
                         "breakfast the next day."),
}
STAFFING = {
    Tier.UNIVERSAL: "Staff work at 1 adult to 4 children, and parents and carers are welcome to stay.",
    Tier.TARGETED: "Staff work at 1 adult to 2 children and are trained in personal care.",
    Tier.SPECIALIST: ("Every child has 1:1 support from trained staff, including help with medication and "
                      "personal care."),
}
ELIGIBILITY = {
    Tier.UNIVERSAL: ("Open to any disabled child or young person aged {ages}. You do not need a diagnosis, "
                     "an EHC plan or an assessment.",),
    Tier.TARGETED: (
        "For children and young people aged {ages} who have an EHC plan or receive Disability Living Allowance "
        "(or Personal Independence Payment from 16).",
        "For children and young people aged {ages} with a diagnosis of autism or a learning disability who need "
        "more support than a universal club can give.",
        "For children and young people aged {ages} with physical or complex health needs who need help with "
        "personal care.",
    ),
    Tier.SPECIALIST: ("Needs an assessment by the children's trust. Places are for children and young people "
                      "aged {ages} whose assessment says they need specialist breaks.",),
}
CRITERIA_ARE_A_GUIDE = (" You do not need a social care assessment. If your child does not meet these criteria, "
                        "you can still ask for an assessment.")
HOW_TO_GET = {
    PaymentRoute.FREE: "Book a place online for each session you would like to come to.",
    PaymentRoute.PAY_PROVIDER: "Book a place online, then pay the provider {price} a session.",
    PaymentRoute.COUNCIL_FUNDED: ("Book a place online and confirm that your child meets the criteria. "
                                  "The council pays the provider for the place."),
    PaymentRoute.PERSONAL_BUDGET: ("Ask the children's trust for an assessment from this page. Once it is approved, "
                                   "book online; the cost comes from your child's personal budget or direct payment."),
}
BOOKING_NOTE = "Tell us about your child's needs when you book, so that we can plan their support."


# --- money ----------------------------------------------------------------------------------------------------

COUNCIL_REASON = "Short breaks budget for {year} agreed by the council's cabinet."
TRUST_REASON = "Short breaks budget for {year} agreed by the children's trust board."
ADULTS_REASON = "Short breaks budget for {year} for young adults aged 18 to 25, agreed by adult social care."
PANEL_REASONS = (
    "The resource panel agreed the package in {name}'s assessment: specialist short breaks paid from a "
    "managed personal budget, reviewed in three months.",
    "Renewed for {year}: {name}'s needs are unchanged and the family cannot go on caring without regular breaks.",
    "Agreed by the resource panel: {name} needs 1:1 support, which universal and targeted breaks cannot give.",
)
DIRECT_PAYMENT_REASON = ("The family asked to arrange {name}'s personal assistant themselves; the panel agreed a "
                         "direct payment, to be reviewed in three months.")
# The direct payment whose period has ended and whose unspent money the trust recovered.
ENDED_DIRECT_PAYMENT_REASON = ("The panel agreed a direct payment for {name}'s personal assistant over the summer "
                               "holidays, to be checked against the prepaid card statement when it ends.")
RECOVERY_REASON = "Not spent by the end of the direct payment: the prepaid card statement showed {amount} left."
CANCELLED = "Cancelled by the family"
# The reasons the booking path gives its ledger postings (bookings/funding.py), so the demo's read the same.
COUNCIL_PLACE_BOOKED = "Council-funded place booked"
BUDGET_PLACE_BOOKED = "From my child’s personal budget: place booked"
PLACE_DELIVERED = "Place delivered"

# The contacts the statement gives families ({area} is the area's name). Phone numbers are from Ofcom's range kept
# for drama (0121 496 0000 to 0999), so no real line is ever rung.
CONTACTS = {
    "trust_phone": "0121 496 0210",
    "short_breaks_email": "shortbreaks@example.org",
    "sendiass_name": "{area} SENDIASS",
    "sendiass_phone": "0121 496 0345",
    "sendiass_email": "sendiass@example.org",
    "sendiass_website": "https://sendiass.example.org",
    "forum_name": "{area} Parent Carer Forum",
    "forum_email": "hello@parentcarerforum.example.org",
    "forum_website": "https://parentcarerforum.example.org",
    "local_offer_url": "http://127.0.0.1:5000/local-offer",
}
