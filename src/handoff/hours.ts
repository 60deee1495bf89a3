/**
 * When staff answer: the notice's 业务受理时间 ("8:30-17:30", 四（二）) unless `HANDOFF_HOURS` says otherwise, every day
 * unless `HANDOFF_DAYS` names some (1 = Monday … 7 = Sunday, "1-5"), in Asia/Shanghai time whatever the server's
 * time zone.
 */

export interface StaffedHours {
  /** Minutes after midnight. */
  open: number;
  close: number;
  /** ISO weekdays 1–7. */
  days: Set<number>;
}

const TIME = /^\s*(\d{1,2})[:：](\d{2})\s*[-–—~至到]\s*(\d{1,2})[:：](\d{2})\s*$/;

/** "8:30-17:30" (or "08:30—17:30", "9:00至17:00") → minutes; undefined when it is not a range of the same day. */
export function parseHours(text: string): { open: number; close: number } | undefined {
  const m = TIME.exec(text);
  if (!m) return undefined;
  const [h1, m1, h2, m2] = m.slice(1).map(Number);
  if (h1 > 24 || h2 > 24 || m1 > 59 || m2 > 59) return undefined;
  const open = h1 * 60 + m1;
  const close = h2 * 60 + m2;
  if (close <= open || close > 24 * 60) return undefined;
  return { open, close };
}

/** "1-5", "1,3,5", "1-7" → ISO weekdays; undefined when malformed. */
export function parseDays(text: string): Set<number> | undefined {
  const days = new Set<number>();
  for (const part of text.split(/[,，\s]+/).filter(Boolean)) {
    const m = /^([1-7])(?:-([1-7]))?$/.exec(part);
    if (!m) return undefined;
    const from = Number(m[1]);
    const to = Number(m[2] ?? m[1]);
    if (to < from) return undefined;
    for (let d = from; d <= to; d++) days.add(d);
  }
  return days.size ? days : undefined;
}

const SHANGHAI_OFFSET_MS = 8 * 3_600_000; // China has had no daylight saving time since 1991

/** Minutes after midnight and the ISO weekday of an instant, in Asia/Shanghai. */
export function shanghaiClock(at: number): { minutes: number; weekday: number } {
  const d = new Date(at + SHANGHAI_OFFSET_MS);
  return { minutes: d.getUTCHours() * 60 + d.getUTCMinutes(), weekday: ((d.getUTCDay() + 6) % 7) + 1 };
}

export function isStaffed(hours: StaffedHours, at: number): boolean {
  const { minutes, weekday } = shanghaiClock(at);
  return hours.days.has(weekday) && minutes >= hours.open && minutes < hours.close;
}

/** "HH:MM" of minutes after midnight. */
export const clock = (minutes: number): string => `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, "0")}`;
