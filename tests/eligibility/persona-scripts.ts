/**
 * Forty-odd candidates written by hand from the notice's 附件1 (not from the code): each says its facts the way a
 * person on the hotline would. The truth is what the notice's tables make of the facts.
 */
import type { Profile } from "../../src/eligibility/profile.js";
import type { Persona } from "./personas.js";

type Say = Record<string, string | string[]>;
const arr = (s: Say) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));
const p = (id: string, truth: Profile, opening: string, say: Say, more: Partial<Persona> = {}): Persona => ({
  id: `s-${id}`, truth, opening, say: arr(say), levelWord: "certificate", ...more,
});

// Wordings shared by many: the occupation and level as asked, the plainest form last.
const none = { certificate: ["没有", "没有"], education: ["没有", "没有"] };

export const SCRIPTS: Persona[] = [
  // --- 1. a job outside the lists: its years are not years in the field
  p("cleaner", { occupation: "供应链管理师", level: 3, yearsInField: 0 }, "我想报供应链管理师三级",
    { yearsInField: ["大概7年吧，不过我是做保洁的", "7年，做保洁"], ...none }, { job: "none" }),
  p("cook", { occupation: "电子商务师", level: 4, yearsInField: 0 }, "电子商务师四级我能报吗",
    { yearsInField: ["在饭店当厨师，干了六年", "6年，厨师"], ...none }, { job: "none" }),
  p("guard-first", { occupation: "电子商务师", level: 4, yearsInField: 0 }, "我当保安8年了，能报电商师四级不",
    { yearsInField: ["8年", "0"], ...none }, { job: "none" }),
  p("taxi", { occupation: "供应链管理师", level: 3, yearsInField: 0, certificate: { level: 4, related: false, yearsHeld: 5, yearsInFieldSince: 0 } }, "资格自测",
    { occupation: "供应链管理师", level: "三级", yearsInField: ["开了11年出租车", "11年，出租车"], certificate: "有个四级的证", "certificate.level": "四级", "certificate.related": ["不是，是驾驶员的", "不是"], "certificate.yearsInFieldSince": "0", "certificate.yearsHeld": "5", education: "没有" }, { job: "none" }),
  // --- 2. everyday names of listed jobs
  p("courier", { occupation: "供应链管理师", level: 3, yearsInField: 12 }, "资格自测",
    { occupation: "供应链管理师", level: "三级", yearsInField: ["送快递的，干了12年", "12"], ...none }, { job: "邮政和快递服务人员" }),
  p("netadmin", { occupation: "信息安全测试员", level: 4, yearsInField: 6 }, "我做网管的，6年了，能报信息安全测试员四级吗",
    { yearsInField: ["6年", "6"], ...none }, { job: "网络与信息安全管理员" }),
  p("netadmin-in", { occupation: "信息安全测试员", level: 3, yearsInField: 11 }, "想考信息安全测试员三级",
    { yearsInField: ["做网管做了十一年", "11"], ...none }, { job: "网络与信息安全管理员" }),
  p("warehouse", { occupation: "供应链管理师", level: 3, yearsInField: 10 }, "我想报供应链管理师",
    { level: ["三级", "三级"], yearsInField: ["在仓库当仓管，整10年", "10"], ...none }, { job: "仓储员" }),
  p("anchor", { occupation: "互联网营销师", track: "直播销售员", level: 4, yearsInField: 5 }, "直播销售员四级能报吗",
    { yearsInField: ["当主播5年了", "5"], ...none }, { job: "互联网营销师" }),
  p("guide", { occupation: "互联网营销师", track: "视频创推员", level: 4, yearsInField: 3 }, "视频创推员四级能考吗",
    { yearsInField: ["当了三年导游", "3"], ...none }, { job: "导游" }),
  // --- 2b. everyday names of majors
  p("logistics-major", { occupation: "供应链管理师", level: 3, yearsInField: 1, certificate: { level: 4, related: true, yearsHeld: 1, yearsInFieldSince: 1 }, education: { school: "高等职业学校", status: "毕业", major: "现代物流" } }, "供应链管理师三级我符合吗",
    { yearsInField: "1年", certificate: "有个四级证", "certificate.level": "四级", "certificate.related": "是", "certificate.yearsInFieldSince": "1", "certificate.yearsHeld": "1", education: "高职毕业", "education.school": "高职", "education.status": "毕业了", "education.major": ["学物流的", "现代物流"] }),
  p("marketing-major", { occupation: "电子商务师", level: 4, yearsInField: 0, education: { school: "普通高等学校专科", status: "应届", major: "市场营销" } }, "我大专今年毕业，能报电子商务师四级吗",
    { yearsInField: "0", certificate: "没有", education: "有", "education.school": "大专", "education.status": "今年毕业", "education.major": ["学营销的", "市场营销"] }),
  p("accounting", { occupation: "电子商务师", level: 4, yearsInField: 0, education: { school: "中等职业学校", status: "毕业", major: "会计" } }, "电子商务师四级，我能报吗",
    { yearsInField: "没工作过", certificate: "没有", education: "中专毕业", "education.school": "中专", "education.status": "毕业", "education.major": ["我读的是会计那个", "会计"] }),
  p("cs-major", { occupation: "信息安全测试员", level: 4, yearsInField: 0, education: { school: "本科及以上", status: "毕业", major: "计算机科学与技术" } }, "我本科计算机科学与技术毕业的，能报信息安全测试员四级吗",
    { yearsInField: "0", certificate: "没有", education: "本科", "education.school": "本科", "education.status": "毕业", "education.major": "计算机科学与技术" }),
  p("nurse-major", { occupation: "互联网营销师", level: 4, yearsInField: 2, education: { school: "中等职业学校", status: "毕业", major: "护理" } }, "互联网营销师四级，我能报吗",
    { yearsInField: "2年", certificate: "没有", education: "职高毕业", "education.school": "职高", "education.status": "毕业", "education.major": ["学的护理", "护理"] }, { job: "互联网营销师" }),
  // --- 3. a certificate's level and the level wanted
  p("cert-senior", { occupation: "互联网营销师", level: 2, yearsInField: 6, certificate: { level: 3, related: true, yearsHeld: 6, yearsInFieldSince: 6 } }, "我能报互联网营销师二级吗",
    { yearsInField: "6年", certificate: "我手上有个高级工的证", "certificate.level": "高级工", "certificate.related": "是的", "certificate.yearsInFieldSince": "6年", "certificate.yearsHeld": "6年", education: "没有" }),
  p("cert-mid-short", { occupation: "电子商务师", level: 3, yearsInField: 3, certificate: { level: 4, related: true, yearsHeld: 3, yearsInFieldSince: 3 } }, "电子商务师三级，我能报吗",
    { yearsInField: "3年", certificate: "有中级工证", "certificate.level": "中级工", "certificate.related": "是", "certificate.yearsInFieldSince": "3年", "certificate.yearsHeld": "3", education: "没有" }),
  p("cert-mid-ok", { occupation: "电子商务师", level: 3, yearsInField: 5, certificate: { level: 4, related: true, yearsHeld: 5, yearsInFieldSince: 5 } }, "做电商5年，有四级证书，能报电子商务师三级吗",
    { "certificate.related": "是", "certificate.yearsInFieldSince": "拿证后干了5年", "certificate.yearsHeld": "5" }),
  p("cert-bare-level", { occupation: "供应链管理师", level: 2, yearsInField: 6, certificate: { level: 3, related: true, yearsHeld: 6, yearsInFieldSince: 6 } }, "资格自测",
    { occupation: "供应链管理师", level: ["技师", "二级"], yearsInField: "6年", certificate: ["有，三级", "有"], "certificate.level": "三级", "certificate.related": "是", "certificate.yearsInFieldSince": "6", "certificate.yearsHeld": "6", education: "没有" }),
  p("cert-unrelated", { occupation: "电子商务师", level: 3, yearsInField: 5, certificate: { level: 4, related: false, yearsHeld: 5, yearsInFieldSince: 5 } }, "电子商务师三级能报吗",
    { yearsInField: "做电商5年", certificate: "有个四级的证", "certificate.level": "四级", "certificate.related": ["不是，是电工证", "不是"], "certificate.yearsInFieldSince": "5", "certificate.yearsHeld": "5", education: "没有" }),
  // --- 4. a whole sentence for a major or a job
  p("major-sentence", { occupation: "电子商务师", level: 4, yearsInField: 0, education: { school: "高等职业学校", status: "应届", major: "电子商务" } }, "电子商务师四级，我能报吗",
    { yearsInField: "0", certificate: "没有", education: "有", "education.school": "高职", "education.status": "今年毕业", "education.major": ["我读的是电子商务那个", "电子商务"] }),
  p("major-ecom-short", { occupation: "电子商务师", level: 4, yearsInField: 0, education: { school: "中等职业学校", status: "毕业", major: "电子商务" } }, "电子商务师四级，我能报吗",
    { yearsInField: "0", certificate: "没有", education: "中专毕业", "education.school": "中专", "education.status": "毕业", "education.major": ["电商", "电子商务"] }),
  // --- 5. status
  p("still-school-final", { occupation: "电子商务师", level: 4, yearsInField: 0, education: { school: "普通高等学校专科", status: "应届", major: "电子商务" } }, "我还在上学呢，大专电子商务专业，能报电子商务师四级吗",
    { yearsInField: "0", certificate: "没有", education: "有", "education.school": "大专", "education.status": ["还在上学呢", "今年毕业"], "education.major": "电子商务" }),
  p("still-school-not-final", { occupation: "电子商务师", level: 4, yearsInField: 0, education: { school: "普通高等学校专科", status: "在读", major: "电子商务" } }, "我还在上学呢，大专电子商务专业，能报电子商务师四级吗",
    { yearsInField: "0", certificate: "没有", education: "有", "education.school": "大专", "education.status": ["还在上学呢", "明年才毕业，不是应届"], "education.major": "电子商务" }),
  p("student-in-dialog", { occupation: "信息安全测试员", level: 4, yearsInField: 0, education: { school: "高等职业学校", status: "应届", major: "信息安全技术应用" } }, "信息安全测试员四级，我能报吗",
    { yearsInField: "没有", certificate: "没有", education: ["还在读书", "有"], "education.school": "高职", "education.status": ["在读", "今年毕业"], "education.major": "信息安全技术应用" }),
  p("technician-class", { occupation: "互联网营销师", level: 2, yearsInField: 0, certificate: { level: 3, related: true, yearsHeld: 2, yearsInFieldSince: 0 }, education: { school: "技师学院", status: "在读", program: "预备技师班", major: "电子商务" } }, "我是技师学院预备技师班的学生，有三级证两年了，能报互联网营销师二级吗",
    { yearsInField: "0", "certificate.related": "是", "certificate.yearsHeld": "2年", "certificate.yearsInFieldSince": "0", "education.status": ["在读", "在读"], "education.program": "预备技师班", "education.major": "电子商务" }),
  // --- 6. how it starts: "我可以报名吗", "我想报名X"
  p("can-i-register", { occupation: "互联网营销师", track: "直播销售员", level: 5, age: 18, yearsInField: 0 }, "我可以报名吗",
    { occupation: "直播销售员", level: "五级", age: "18", yearsInField: "还没工作过", ...none }),
  p("want-register", { occupation: "电子商务师", level: 4, yearsInField: 6 }, "我想报名电子商务师",
    { level: "四级", yearsInField: "做电商6年", ...none }, { job: "电子商务师" }),
  p("want-register-level", { occupation: "供应链管理师", level: 3, yearsInField: 4 }, "我想报名供应链管理师三级",
    { yearsInField: "做采购4年", ...none }, { job: "采购员" }),
  // --- interruptions
  p("interrupt-month", { occupation: "电子商务师", level: 4, yearsInField: 5 }, "电子商务师四级能报吗",
    { yearsInField: "5年", ...none }, { interrupt: { at: 1, text: "今年什么时候考试啊" } }),
  p("interrupt-fee", { occupation: "互联网营销师", track: "选品员", level: 4, yearsInField: 2 }, "选品员四级，我能报吗",
    { yearsInField: "2年", ...none }, { interrupt: { at: 2, text: "考试费多少钱" } }),
  p("interrupt-photo", { occupation: "信息安全测试员", level: 4, yearsInField: 0, education: { school: "技工学校", status: "毕业", major: "网络与信息安全" } }, "信息安全测试员四级，我能报吗",
    { yearsInField: "0", certificate: "没有", education: "技校毕业", "education.school": "技校", "education.status": "毕业", "education.major": "网络与信息安全", "education.program": "都不是" }, { interrupt: { at: 2, text: "照片要什么格式" } }),
  // --- corrections
  p("correct-years", { occupation: "供应链管理师", level: 3, yearsInField: 4 }, "供应链管理师三级，我能报吗",
    { yearsInField: ["12年", "4"], ...none }, { correction: { after: "yearsInField", text: "说错了，是4年" } }),
  p("correct-years-up", { occupation: "电子商务师", level: 4, yearsInField: 6 }, "电子商务师四级，我能报吗",
    { yearsInField: ["3年", "6"], ...none }, { correction: { after: "yearsInField", text: "不对，应该是6年" } }),
  p("correct-school", { occupation: "电子商务师", level: 4, yearsInField: 0, education: { school: "普通高等学校专科", status: "毕业", major: "电子商务" } }, "电子商务师四级，我能报吗",
    { yearsInField: "0", certificate: "没有", education: "有", "education.school": ["技校", "大专"], "education.status": "毕业", "education.major": "电子商务", "education.program": "都不是" }, { correction: { after: "education.school", text: "不对，我是大专" } }),
  // --- vague and saying more than asked
  p("vague-years", { occupation: "互联网营销师", track: "平台管理员", level: 3, yearsInField: 10 }, "平台管理员三级，我能报吗",
    { yearsInField: "差不多十年了吧，一直在做电商平台", ...none }, { job: "电子商务师" }),
  p("more-than-asked", { occupation: "电子商务师", level: 3, yearsInField: 4, certificate: { level: 4, related: true, yearsHeld: 4, yearsInFieldSince: 4 } }, "电子商务师三级，我能报吗",
    { yearsInField: "4年，拿了四级证以后一直在做", certificate: "有", "certificate.level": "四级", "certificate.related": "是", "certificate.yearsInFieldSince": "4", "certificate.yearsHeld": "4", education: "没有" }),
  p("age-under", { occupation: "互联网营销师", track: "直播销售员", level: 5, age: 15, yearsInField: 0 }, "我15岁能报直播销售员五级吗",
    { age: "15", yearsInField: "0", ...none }),
  p("age-ok-working", { occupation: "互联网营销师", track: "视频创推员", level: 5, age: 17, yearsInField: 1 }, "视频创推员五级，我能报吗",
    { age: "17岁", yearsInField: "拍短视频一年了", ...none }, { job: "互联网营销师" }),
  p("level-not-offered", { occupation: "信息安全测试员", level: 2, yearsInField: 9 }, "信息安全测试员二级能报吗",
    { yearsInField: "9年", ...none }),
  p("one-message-yes", { occupation: "电子商务师", level: 4, yearsInField: 7 }, "我做电商运营7年了，没有证书，能报电子商务师四级吗",
    { yearsInField: "7", ...none }, { job: "电子商务师" }),
  p("one-message-no", { occupation: "电子商务师", level: 3, yearsInField: 8 }, "我做电商8年，没有任何证书，中专学的会计，能报电子商务师三级吗",
    { yearsInField: "8", ...none, "education.status": "毕业", "education.major": "会计", "education.school": "中专" }, { job: "电子商务师" }),
  p("grad-senior-class", { occupation: "供应链管理师", level: 3, yearsInField: 0, education: { school: "技师学院", status: "应届", program: "高级工班", major: "现代物流" } }, "供应链管理师三级，我是技师学院高级工班的，我能报吗",
    { yearsInField: "0", certificate: "没有", education: "有", "education.status": ["今年毕业"], "education.major": ["现代物流专业"], "education.program": "高级工班" }),
  p("two-cert-years", { occupation: "电子商务师", level: 1, yearsInField: 8, certificate: { level: 2, related: true, yearsHeld: 6, yearsInFieldSince: 6 } }, "电子商务师一级，我能报吗",
    { yearsInField: "8年", certificate: "有二级证书", "certificate.level": "二级", "certificate.related": "是", "certificate.yearsInFieldSince": "拿证后6年", "certificate.yearsHeld": "6", education: "没有" }),
];
