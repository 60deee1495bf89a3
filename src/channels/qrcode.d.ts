/** The part of `qrcode` (installed with file-box) that prints the WeChat login code in a terminal. */
declare module "qrcode" {
  export function toString(text: string, options?: { type?: "terminal" | "utf8" | "svg"; small?: boolean }): Promise<string>;
}
