/**
 * Issue 11's /api/photo attacks: compressed bombs, crafted headers, oversized and held-open uploads, slow senders.
 * The route's answers over a real socket (an in-process app with short deadlines), then the service as `npm start`
 * runs it (its heap flags) with 40 uploads held open before their last byte: it survives, /healthz answers, RSS stays
 * under 300 MB.
 */
import { request, type IncomingMessage } from "node:http";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getKb, makeEngine } from "../helpers.js";
import { createHttpApp } from "../../src/server/http.js";
import { checkPhoto, MAX_JPEG_SEGMENTS, readPhotoHeader } from "../../src/channels/photo-check.js";
import { listen, type Running } from "./listen.js";
import { jpeg, KB, png } from "../channels/images.js";
import { healthy, startService, type ServiceProcess } from "./service-process.js";

const kb = getKb();
const spec = kb.materials.photo;
const MB = 1024 * 1024;
const good = { width: spec.minWidthPx + 100, height: spec.minHeightPx + 150, bytes: Math.round(((spec.minSizeKB + spec.maxSizeKB) / 2) * KB) };

/** A JPEG whose frame header comes after `segments` comment segments of `each` bytes (image-size walked them all). */
function deepJpeg(segments: number, each: number): Buffer {
  const head = Buffer.from([0xff, 0xd8]);
  const com = Buffer.concat([Buffer.from([0xff, 0xfe, ((each + 2) >> 8) & 0xff, (each + 2) & 0xff]), Buffer.alloc(each, 0x20)]);
  const rest = jpeg({ width: 800, height: 1000, bytes: 600 }).subarray(2);
  return Buffer.concat([head, ...Array.from({ length: segments }, () => com), rest]);
}

/** An SVG of many `<svg ` openings (image-size parsed it for seconds). */
const svgBomb = (bytes: number) => Buffer.from(`<svg width="1" height="1">${"<svg ".repeat(Math.floor(bytes / 5))}`);

interface Answer {
  status: number;
  headers: IncomingMessage["headers"];
  body: any;
}

/**
 * A raw upload: sends `body` (all but `holdLast` bytes of it, then waits), and resolves with the answer, or with
 * status 0 when the connection closed without one.
 */
function upload(url: string, body: Buffer, headers: Record<string, string>, opts: { holdLast?: number; localAddress?: string; chunkDelayMs?: number } = {}) {
  const u = new URL(url);
  let req!: ReturnType<typeof request>;
  const answer = new Promise<Answer>((resolve) => {
    req = request(
      { host: u.hostname, port: u.port, path: "/api/photo", method: "POST", localAddress: opts.localAddress, headers: { "content-length": String(body.length), ...headers } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (text += d));
        res.on("end", () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = text;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: json });
        });
        res.on("error", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: undefined }));
      },
    );
    req.on("error", () => resolve({ status: 0, headers: {}, body: undefined }));
  });
  const hold = opts.holdLast ?? 0;
  if (opts.chunkDelayMs) {
    // A slow sender: a byte at a time.
    let i = 0;
    const timer = setInterval(() => {
      if (i >= body.length - hold || req.destroyed) return clearInterval(timer);
      req.write(body.subarray(i, i + 1));
      i++;
    }, opts.chunkDelayMs);
    void answer.finally(() => clearInterval(timer));
  } else if (hold) {
    req.write(body.subarray(0, body.length - hold));
  } else {
    req.end(body);
  }
  return { answer, abort: () => req.destroy() };
}

describe("the photo header scan", () => {
  it("measures JPEG and PNG from their headers, and stops after a bounded number of segments", () => {
    expect(readPhotoHeader(jpeg(good))).toMatchObject({ format: "JPEG", width: good.width, height: good.height });
    expect(readPhotoHeader(png({ width: 500, height: 600, bytes: 1000 }))).toEqual({ format: "PNG", width: 500, height: 600 });
    expect(readPhotoHeader(deepJpeg(MAX_JPEG_SEGMENTS - 4, 10))).toMatchObject({ format: "JPEG", width: 800, height: 1000 });
    // A frame header past the bound is not looked for: the picture is unreadable, found out after 64 segments.
    expect(readPhotoHeader(deepJpeg(5_000, 100))).toBeUndefined();
    expect(checkPhoto(spec, deepJpeg(5_000, 100)).problems[0]).toEqual({ rule: "unreadable" });
  });

  it("names other formats by their magic bytes without parsing them", () => {
    expect(readPhotoHeader(svgBomb(2 * MB))).toEqual({ format: "SVG" });
    expect(checkPhoto(spec, svgBomb(MB)).problems[0]).toEqual({ rule: "format", actual: "SVG", expected: "JPEG" });
    expect(readPhotoHeader(Buffer.from("GIF89a\x01\x00\x01\x00"))).toEqual({ format: "GIF" });
    expect(readPhotoHeader(Buffer.from([0xff, 0xd8, 0xff, 0xff, 0xff, 0xff]))).toBeUndefined();
    expect(readPhotoHeader(Buffer.alloc(0))).toBeUndefined();
  });

  it("never throws on truncated or random bytes", () => {
    const whole = jpeg({ ...good, orientation: 6 });
    for (let n = 0; n <= 400; n++) expect(() => readPhotoHeader(whole.subarray(0, n))).not.toThrow();
    for (let i = 0; i < 300; i++) {
      const junk = Buffer.from(Array.from({ length: 64 }, () => Math.floor(Math.random() * 256)));
      junk[0] = 0xff;
      junk[1] = 0xd8;
      junk[2] = 0xff;
      expect(() => checkPhoto(spec, junk)).not.toThrow();
    }
  });
});

describe("POST /api/photo against attacks (in-process, short deadlines)", () => {
  let api: Running;
  beforeAll(async () => {
    api = await listen(
      createHttpApp({ kb, engine: makeEngine(), config: { RATE_LIMIT_PER_MINUTE: 1000 }, photoLimits: { bodyTimeoutMs: 800, perClient: 2, total: 6 } }),
    );
  });
  afterAll(() => api?.close());

  it("keeps its answer contract for a JPEG, and checks a PNG with the problem that it should be JPEG", async () => {
    const ok = await upload(api.url, jpeg(good), { "content-type": "image/jpeg" }).answer;
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ ok: true, format: "JPEG", width: good.width, height: good.height, problems: [] });
    expect(Object.keys(ok.body).sort()).toEqual(["format", "height", "ok", "problems", "reply", "sizeKB", "width"]);
    const p = await upload(api.url, png({ ...good }), { "content-type": "image/png" }).answer;
    expect(p.status).toBe(200);
    expect(p.body.problems).toEqual([{ rule: "format", actual: "PNG", expected: "JPEG" }]);
    expect(p.body.reply).toMatch(/JPEG/);
  });

  it("refuses a compressed upload (415), whatever it holds", async () => {
    const bomb = gzipSync(Buffer.alloc(20 * MB));
    for (const encoding of ["gzip", "deflate", "br", "gzip, identity"]) {
      const r = await upload(api.url, bomb, { "content-type": "image/jpeg", "content-encoding": encoding }).answer;
      expect(r.status, encoding).toBe(415);
      expect(r.body.code).toBe("unsupported_encoding");
    }
    const plain = await upload(api.url, jpeg(good), { "content-type": "image/jpeg", "content-encoding": "identity" }).answer;
    expect(plain.status).toBe(200);
  });

  it("takes JPEG and PNG only (415 for SVG, GIF, HEIC…), naming the format the spec wants", async () => {
    for (const type of ["image/svg+xml", "image/gif", "image/heic", "image/webp", "text/plain", ""]) {
      const r = await upload(api.url, svgBomb(100 * KB), type ? { "content-type": type } : {}).answer;
      expect(r.status, type).toBe(415);
      expect(r.body.error).toMatch(/JPEG/);
    }
    // A file of unknown type is checked by its bytes: an SVG is named, not parsed.
    const svg = await upload(api.url, svgBomb(MB), { "content-type": "application/octet-stream" }).answer;
    expect(svg.status).toBe(200);
    expect(svg.body.problems[0]).toEqual({ rule: "format", actual: "SVG", expected: "JPEG" });
  });

  it("refuses a body over the limit (413) declared or streamed, without reading it whole", async () => {
    const big = deepJpeg(330, 65_000); // about 21 MB
    const declared = await upload(api.url, big, { "content-type": "image/jpeg" }).answer;
    expect(declared.status).toBe(413);
    expect(declared.body.code).toBe("body_too_large");
    // Chunked (no length given): counted as it comes, refused past the limit.
    const u = new URL(api.url);
    const chunked = await new Promise<number>((resolve) => {
      const req = request({ host: u.hostname, port: u.port, path: "/api/photo", method: "POST", headers: { "content-type": "image/jpeg", "transfer-encoding": "chunked" } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", () => resolve(0));
      let sent = 0;
      const pump = () => {
        while (sent < 4 * MB && req.write(Buffer.alloc(64 * KB, 0xff))) sent += 64 * KB;
        if (sent < 4 * MB) req.once("drain", () => ((sent += 64 * KB), pump()));
      };
      req.write(jpeg(good).subarray(0, 20));
      pump();
    });
    expect(chunked).toBe(413);
    // A deep JPEG within the limit is answered (unreadable: its frame header is past the scan's bound).
    const deep = await upload(api.url, deepJpeg(1_500, 1_000), { "content-type": "image/jpeg" }).answer;
    expect(deep.status).toBe(200);
    expect(deep.body.problems[0]).toEqual({ rule: "unreadable" });
  });

  it("lets a client have 2 uploads in flight (429 beyond), and frees the slots when they end", async () => {
    const body = jpeg(good);
    const held = [0, 1].map(() => upload(api.url, body, { "content-type": "image/jpeg" }, { holdLast: 1, localAddress: "127.0.0.9" }));
    await new Promise((r) => setTimeout(r, 150));
    const third = await upload(api.url, body, { "content-type": "image/jpeg" }, { localAddress: "127.0.0.9" }).answer;
    expect(third.status).toBe(429);
    expect(third.body.code).toBe("too_many_uploads");
    expect(third.headers["retry-after"]).toBeTruthy();
    // Another client is not held up by this one.
    expect((await upload(api.url, body, { "content-type": "image/jpeg" }, { localAddress: "127.0.0.10" }).answer).status).toBe(200);
    for (const h of held) h.abort();
    await Promise.all(held.map((h) => h.answer));
    await new Promise((r) => setTimeout(r, 50));
    expect((await upload(api.url, body, { "content-type": "image/jpeg" }, { localAddress: "127.0.0.9" }).answer).status).toBe(200);
  });

  it("caps uploads in flight in all (429), and answers a slow sender 408 at the deadline", async () => {
    const body = jpeg(good);
    const held = [11, 12, 13].flatMap((n) => [0, 1].map(() => upload(api.url, body, { "content-type": "image/jpeg" }, { holdLast: 1, localAddress: `127.0.0.${n}` })));
    await new Promise((r) => setTimeout(r, 150));
    const more = await upload(api.url, body, { "content-type": "image/jpeg" }, { localAddress: "127.0.0.14" }).answer;
    expect(more.status).toBe(429);
    // The held uploads never finish: each is answered 408 at the body deadline and its connection closed.
    const answers = await Promise.all(held.map((h) => h.answer));
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(408));
    expect(answers[0].body.code).toBe("body_timeout");
    // A byte every 50 ms: 408 too.
    const slow = await upload(api.url, body, { "content-type": "image/jpeg" }, { chunkDelayMs: 50, localAddress: "127.0.0.15" }).answer;
    expect(slow.status).toBe(408);
    expect((await upload(api.url, body, { "content-type": "image/jpeg" }, { localAddress: "127.0.0.14" }).answer).status).toBe(200);
  });
});

describe("POST /api/photo against attacks (the service as npm start runs it)", () => {
  let svc: ServiceProcess;
  beforeAll(async () => {
    svc = await startService({ SESSION_STORE: "memory" });
  }, 30_000);
  afterAll(async () => svc?.stop());

  it("survives 40 compressed 20 MB uploads and 40 plain ones held open before their last byte; /healthz answers; RSS stays low", { timeout: 60_000 }, async () => {
    expect(await healthy(svc.url, 5_000)).toBe(true);
    // 19 MB of JPEG (under the old 20 MB limit) in about 20 KB of gzip.
    const bomb = gzipSync(deepJpeg(290, 65_000));
    expect(bomb.length).toBeLessThan(200 * KB);
    const compressed = Array.from({ length: 40 }, (_, i) =>
      upload(svc.url, bomb, { "content-type": "image/jpeg", "content-encoding": "gzip" }, { holdLast: 1, localAddress: `127.0.1.${1 + (i % 10)}` }),
    );
    const plain = Array.from({ length: 40 }, (_, i) =>
      upload(svc.url, deepJpeg(30, 60_000), { "content-type": "image/jpeg" }, { holdLast: 1, localAddress: `127.0.2.${1 + (i % 10)}` }),
    );
    // While they are held: /healthz probed, the resident memory sampled (its peak is what counts).
    const probes: boolean[] = [];
    let peakRss = 0;
    for (let i = 0; i < 12; i++) {
      if (!svc.alive()) break;
      peakRss = Math.max(peakRss, svc.rssMb());
      probes.push(await healthy(svc.url, 500));
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(svc.alive(), svc.log().slice(-1500)).toBe(true);
    expect(probes.filter(Boolean).length, probes.join()).toBeGreaterThanOrEqual(11);
    expect(peakRss).toBeLessThan(300);
    for (const u of [...compressed, ...plain]) u.abort();
    const answers = await Promise.all([...compressed, ...plain].map((u) => u.answer));
    // Every compressed one refused at once; of the plain ones (10 clients) at most 2 a client were read.
    expect(answers.slice(0, 40).every((a) => a.status === 415)).toBe(true);
    expect(answers.slice(40).filter((a) => a.status === 429).length).toBeGreaterThanOrEqual(20);
    expect(svc.alive()).toBe(true);
    expect(await healthy(svc.url, 2_000)).toBe(true);
  });
});
