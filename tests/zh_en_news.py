"""Forty Chinese news sentences with English references, written for these tests (no outside data set): numbers,
dates, names of institutions, the register of a news wire. Used to compare translation engines on real output."""

PAIRS = (
    ("国家统计局周三公布的数据显示，今年第三季度国内生产总值同比增长4.8%。",
     "Data released by the National Bureau of Statistics on Wednesday showed that gross domestic product grew 4.8% "
     "year on year in the third quarter."),
    ("受强降雨影响，南方多个省份发生洪涝灾害，已有超过两万人被紧急转移。",
     "Heavy rain has caused flooding in several southern provinces, and more than 20,000 people have been "
     "evacuated."),
    ("中国人民银行宣布下调存款准备金率0.5个百分点，以支持实体经济发展。",
     "The People's Bank of China announced a 0.5 percentage point cut in the reserve requirement ratio to support "
     "the real economy."),
    ("这家电动汽车制造商表示，其上个月的交付量创下历史新高，达到12万辆。",
     "The electric car maker said its deliveries hit a record high of 120,000 vehicles last month."),
    ("世界卫生组织警告说，全球麻疹病例数量在过去一年中增加了近一倍。",
     "The World Health Organization warned that the number of measles cases worldwide nearly doubled over the past "
     "year."),
    ("警方表示，事故发生在周日凌晨，一辆货车在高速公路上与三辆小汽车相撞。",
     "Police said the accident happened early on Sunday, when a truck collided with three cars on the motorway."),
    ("这座城市的新地铁线路全长32公里，设有24个车站，预计明年年底开通。",
     "The city's new metro line is 32 kilometres long, has 24 stations and is expected to open at the end of next "
     "year."),
    ("科学家在南极冰层下发现了一个此前未知的湖泊，面积约为50平方公里。",
     "Scientists have discovered a previously unknown lake beneath the Antarctic ice, covering about 50 square "
     "kilometres."),
    ("在昨晚的比赛中，主队以3比1战胜了对手，提前两轮锁定联赛冠军。",
     "In last night's match the home team beat their opponents 3-1 and clinched the league title with two rounds "
     "to spare."),
    ("外交部发言人表示，双方将在下个月举行新一轮贸易谈判。",
     "A foreign ministry spokesman said the two sides would hold a new round of trade talks next month."),
    ("该公司计划在未来三年内裁员约5000人，主要涉及行政和销售部门。",
     "The company plans to cut about 5,000 jobs over the next three years, mainly in administration and sales."),
    ("气象部门预计，本周末北方地区气温将下降8到10摄氏度，并伴有大风。",
     "The weather service expects temperatures in the north to drop by 8 to 10 degrees Celsius this weekend, with "
     "strong winds."),
    ("这部电影上映首周票房突破十亿元，成为今年最卖座的国产影片。",
     "The film took more than one billion yuan at the box office in its first week, becoming this year's "
     "best-selling Chinese film."),
    ("研究人员称，这种新药可以将患者的住院时间平均缩短三天。",
     "Researchers say the new drug can shorten patients' hospital stays by three days on average."),
    ("联合国秘书长呼吁各方立即停火，并允许人道主义援助进入该地区。",
     "The UN Secretary-General called on all sides to cease fire immediately and to allow humanitarian aid into "
     "the region."),
    ("今年前十个月，全国铁路旅客发送量达到35亿人次，同比增长12%。",
     "In the first ten months of the year, the national railways carried 3.5 billion passengers, up 12% year on "
     "year."),
    ("市政府宣布，从下个月起，所有公共汽车将免费向六十五岁以上的老人开放。",
     "The city government announced that from next month all buses will be free for people over 65."),
    ("这名28岁的运动员在男子100米决赛中以9秒85的成绩夺得金牌。",
     "The 28-year-old athlete won the gold medal in the men's 100 metres final in 9.85 seconds."),
    ("该国总统在议会发表讲话时表示，政府将优先解决青年失业问题。",
     "Speaking in parliament, the country's president said the government would make youth unemployment a "
     "priority."),
    ("据当地媒体报道，山火已烧毁超过一万公顷的森林，数百名消防员正在现场灭火。",
     "According to local media, the wildfire has burned more than 10,000 hectares of forest, and hundreds of "
     "firefighters are fighting it."),
    ("这项调查共访问了两千名成年人，其中超过一半的人表示对经济前景感到担忧。",
     "The survey interviewed 2,000 adults, more than half of whom said they were worried about the economic "
     "outlook."),
    ("航空公司表示，由于技术故障，周五共有四十多个航班被取消。",
     "The airline said more than forty flights were cancelled on Friday because of a technical fault."),
    ("新建成的大桥连接两岸，将两地之间的行车时间从一小时缩短到十五分钟。",
     "The newly built bridge links the two banks and cuts the driving time between them from one hour to fifteen "
     "minutes."),
    ("博物馆将于下周展出一批首次公开的古代青铜器。",
     "Next week the museum will exhibit a collection of ancient bronzes shown to the public for the first time."),
    ("欧洲央行决定维持利率不变，并表示通胀压力正在逐步缓解。",
     "The European Central Bank decided to keep interest rates unchanged and said inflationary pressure was "
     "gradually easing."),
    ("该大学的研究团队开发出一种成本更低、效率更高的太阳能电池。",
     "A research team at the university has developed a cheaper and more efficient solar cell."),
    ("法院裁定，这家科技公司必须向用户支付总计两亿美元的赔偿。",
     "The court ruled that the technology company must pay users a total of 200 million dollars in compensation."),
    ("地震发生在当地时间凌晨两点左右，震级为里氏6.2级，目前尚无人员伤亡报告。",
     "The earthquake, of magnitude 6.2, struck at around 2 a.m. local time; there have been no reports of "
     "casualties so far."),
    ("今年的粮食总产量预计将达到6.9亿吨，再创历史新高。",
     "This year's total grain output is expected to reach 690 million tonnes, another record."),
    ("教育部表示，将在全国范围内增加两万个幼儿园学位。",
     "The Ministry of Education said it would add 20,000 kindergarten places nationwide."),
    ("这家银行第二季度净利润为45亿元，比去年同期下降了7%。",
     "The bank's net profit for the second quarter was 4.5 billion yuan, down 7% from the same period last year."),
    ("国际奥委会宣布，下届冬奥会将新增三个比赛项目。",
     "The International Olympic Committee announced that three new events will be added to the next Winter "
     "Olympics."),
    ("数千名抗议者周六在首都街头游行，要求提高最低工资。",
     "Thousands of protesters marched through the streets of the capital on Saturday, demanding a higher minimum "
     "wage."),
    ("专家提醒，夏季高温期间，老人和儿童应尽量避免在中午外出。",
     "Experts advise that during the summer heat, the elderly and children should avoid going out at midday."),
    ("这艘货轮载有两千个集装箱，在港口附近搁浅，导致航道关闭了两天。",
     "The cargo ship, carrying 2,000 containers, ran aground near the port, closing the shipping lane for two "
     "days."),
    ("政府计划到2030年将可再生能源在电力中的比重提高到40%。",
     "The government plans to raise the share of renewable energy in electricity to 40% by 2030."),
    ("一名发言人说，首相将于周四出访日本，并与日本领导人举行会谈。",
     "A spokesman said the prime minister would visit Japan on Thursday and hold talks with Japanese leaders."),
    ("当地居民说，这条河流的污染问题已经持续了十多年。",
     "Local residents say the pollution of the river has gone on for more than ten years."),
    ("这家超市连锁企业宣布，将在全国新开一百家门店。",
     "The supermarket chain announced that it would open one hundred new stores across the country."),
    ("天文学家观测到一颗距离地球约一百光年的行星，其大小与地球相近。",
     "Astronomers have observed a planet about 100 light years from Earth that is similar in size to Earth."),
)
CHINESE = tuple(chinese for chinese, _ in PAIRS)
ENGLISH = tuple(english for _, english in PAIRS)
