/**
 * What the benchmark users say: candidates' questions as they type them (schedules, fees, materials, payment,
 * follow-ups, Traditional script, chit-chat) and eligibility self-checks answered step by step.
 * Every script is one user's conversation from a fresh session, so its replies are the same on every run.
 */

/** Conversations of questions and follow-ups ("二级呢" continues the last question). */
const QUESTION_SCRIPTS: string[][] = [
  ["电子商务师三级几月份可以考", "那报名费多少", "二级呢", "需要带什么材料"],
  ["电商师四级一年考几次，都是几月份", "多少钱", "去哪个网站报名"],
  ["视频创推员五级考试时间", "四级呢", "费用多少"],
  ["直播销售员有一级吗", "直播销售员有哪些级别", "三级几月份有考试"],
  ["互联网营销师二级考试要多少钱", "互联网营销师下面分哪几个工种", "选品员的考试时间"],
  ["信息安全测试员三级费用", "信息安全测试员二级今年考不考", "渗透测试员6月考的是几级"],
  ["供应链管理师三级一般几月考", "供应链管理师中级工有没有", "技师考试费多少"],
  ["11月有哪些考试", "12月考什么", "3月份有哪些考试"],
  ["報名費用多少錢", "電子商務師三級幾月考試", "在哪裡報名"],
  ["报名需要准备哪些材料", "照片有什么要求", "身份证过期了怎么办"],
  ["审核通过了怎么缴费", "交完钱临时有事考不了，钱能退吗", "考试费能开发票吗"],
  ["准考证哪天开始可以打印", "考完多长时间出成绩", "证书怎么查"],
  ["你好", "我想咨询一下考证的事", "今年都有哪些职业可以做技能等级认定", "谢谢"],
  ["港澳台居民能报吗", "外籍人员需要什么证件", "我是应届毕业生可以报吗"],
  ["电子商务师四级，工作6年，能报吗", "三级呢", "要什么材料"],
  ["在哪考试", "咨询电话多少", "工作时间是几点到几点"],
  ["今天天气怎么样", "1", "电子商务师二级和一级考试时间一样吗"],
];

/** The eligibility self-check answered to a verdict, sometimes with a question or a step back in between. */
const DIALOG_SCRIPTS: string[][] = [
  ["资格自测", "1", "四级", "3年", "2", "1", "1", "2", "电子商务"],
  ["我能报电子商务师三级吗", "8", "没有", "没有"],
  ["资格自测", "电子商务师", "四级", "6年"],
  ["我想测一下能不能报", "互联网营销师", "选品员", "五级", "16"],
  ["资格自测", "1", "三级", "报名费多少", "5年", "返回", "10年"],
  ["直播销售员四级我能报吗", "2年", "2", "1", "4", "2", "电子商务"],
  ["资格自测", "4", "三级", "4", "2", "2"],
  ["资格自测", "2", "退出", "供应链管理师三级多少钱"],
];

export const SCRIPTS: string[][] = [...QUESTION_SCRIPTS, ...DIALOG_SCRIPTS];

/** How many turns one pass over every script takes. */
export const TURNS_PER_PASS = SCRIPTS.reduce((n, s) => n + s.length, 0);

/**
 * The API key the load's clients send (Authorization: Bearer …) to the servers it loads, whose API_KEYS list it as
 * "bench:<key>": each connection is an integrator's user, named by its userId. A fixed value for 127.0.0.1 only
 * (bench/pair-server.mjs holds the same).
 */
export const BENCH_API_KEY = "bench-load-key-0123456789abcdef";
