"""The articles the tests summarise, written for this project (none is taken from a dataset): one set, each
named for what it holds."""

COUNCIL = (
    "The city council approved a budget of 4,700 dollars on Monday. "
    "Mayor Anna Keller said the new bridge over the river would open in 2027."
)

BRIDGE_MILLIONS = (
    "The city council approved a budget of 4.7 million dollars on Monday to rebuild the old bridge. "
    "Mayor Anna Keller said the bridge would reopen to traffic in 2027 after two years of work. "
    "The bridge, built in 1889, was closed last year after engineers found deep cracks in its arches. "
    "Shop owners say the closure has cut their sales by a third since the spring."
)

COUNCIL_FLOODS = (
    "The city council approved a budget of 4,700 dollars on Monday. "
    "Mayor Anna Keller said the new bridge over the river would open in 2027. "
    "Heavy rain flooded the streets of the old town for three days last week."
)

COUNCIL_FOR_INSTRUCT = (
    "The city council approved a budget of 4,700 dollars on Monday. Mayor Anna Keller said the new bridge "
    "would open in 2027. Heavy rain flooded the streets of the old town for three days."
)

RIVERTON_NEGATION = (
    "The city council of Riverton approved a budget of 4,700 dollars on Monday. "
    "Mayor Anna Keller said the bridge would not reopen before 2027. "
    "About 15,000 people cross it daily, most of them commuters from Lakeside. "
    "Engineer Tom Brandt found cracks in two of its pillars in March."
)

RIVERTON_ZH = (
    "河畔市议会周一批准了一项 4700 万元的预算，用于重建连接市场区和北部郊区的老石桥。\n"
    "市长安娜·凯勒表示，工程将于3月动工，大桥将于2027年重新通车。\n"
    "这座桥建于1889年，去年因工程师在其五个桥拱中的两个发现深裂缝而关闭。\n"
    "据市政府估计，每天约有 15000 名行人和 3000 辆自行车过桥。\n"
    "商店店主说，自去年春天以来，关闭使他们的销售额下降了 26%。\n"
    "市议会将于1月17日就施工时间表举行公开听证会。"
)

LAKEPORT_FERRY = """Lakeport council approves new ferry to Harwick Island

The town council of Lakeport voted on Tuesday to buy a new electric ferry for the crossing to Harwick Island, \
ending a two-year dispute over the ageing diesel boat that has carried islanders since 1987.
Mayor Helen Brandt said the ferry would cost 12 million euros and enter service in the spring of 2028. The regional \
government will pay half of the bill, she said.
The old ferry broke down eleven times last winter, leaving about 900 island residents without a link to the \
mainland for days at a time. Shop owners on Harwick Island said they had lost a quarter of their sales.
Council member Tomas Reyes, who opposed the purchase, said the town should have repaired the old boat instead. \
"We are spending money we do not have," he said.
The new ferry will carry 250 passengers and 40 cars, and will be charged at a new station in Lakeport harbour."""

COUNCIL_CRITICS = (
    "The city council approved a budget of 4,700 dollars on Monday. Mayor Anna Keller said the new bridge "
    "over the river will open in 2026. Critics said the plan ignores the northern districts."
)

RIVERTON = """The city of Riverton approved a budget of 4.7 million dollars on Monday to rebuild the old stone bridge
that links the market district with the northern suburbs. Mayor Anna Keller said work would start in March and the
bridge would reopen to traffic in 2027. The bridge, built in 1889, was closed last year after engineers found deep
cracks in two of its arches. Local shop owners say the closure has cut their sales by a third, because customers from
the north now drive to a shopping centre outside the city. The council also voted to add a protected cycle lane and
wider pavements. Opposition councillors criticised the cost, saying the money should go to schools, but the plan
passed by 31 votes to 12."""

RIVERTON_DATES = (
    "The city council of Riverton approved a budget of 4,700 dollars on Monday. Mayor Anna Keller said "
    "the bridge, built in 1889, would reopen on 15.03.2027. About 15 000 people cross it daily, and "
    "three schools are nearby. Prices rose by 3.5 percent, officials at Riverton Transit said."
)

COUNCIL_LINES = (
    "The city council approved a budget of 4,700 dollars on Monday.\n"
    "Mayor Anna Keller said the new bridge over the river would open in 2027.\n"
    "Heavy rain flooded the streets of the old town for three days last week."
)

COUNCIL_PAGE = """The city council approved a budget of 4,700 dollars on Monday.
Heavy rain flooded the streets of the old town for three days last week.
The fire brigade pumped water out of forty cellars near the market square.
Shop owners said they lost several days of trade and asked for help.
The regional weather service expects a dry and sunny end to the month.
A school on Elm Street stayed closed while its basement was cleaned.
Volunteers handed out sandbags from the town hall until late at night.
The football club moved its weekend match to the neighbouring village.
Insurance companies have received more than two hundred claims so far.
The library opened its reading room to families whose homes were damp.
Engineers inspected the old stone bridge and found no damage to its arches.
A bakery on Mill Lane gave free bread to the volunteers every morning.
Two buses were diverted around the flooded underpass for the whole week.
The hospital reported no injuries linked to the storm or the clean-up.
Farmers upstream said their fields would need a month to dry out.
The museum moved its paintings from the ground floor to the attic.
Students from the technical college helped to repair damaged fences.
The post office delivered letters by bicycle while the roads were shut.
A local choir gave a concert to raise money for the families affected.
Mayor Anna Keller said the new bridge over the river would open in 2027."""
