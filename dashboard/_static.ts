/**
 * The dashboard's static files (stylesheet, script, icon), served from
 * memory under /static/ with a version in their links, so browsers may cache
 * them for good.
 *
 * @module
 */

import { CSS } from "./_static_css.ts";
import { SCRIPT } from "./_static_js.ts";

/** The favicon: the logo's factory on its own. */
const FAVICON =
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><path fill="#2d2d2d" d="M4 6h4v9H4zM11 2h4v11h-4zM2 30V16l8-4v4l8-4v4l8-4v4l4-2v16z"/><path fill="#f4a340" d="M6 21h3v6H6zm6 0h3v6h-3zm6 0h3v6h-3zm6 0h3v6h-3z"/></svg>`;

/** A static file. */
export interface Asset {
  readonly type: string;
  readonly body: string;
}

/** The static files by name. */
export const ASSETS: Readonly<Record<string, Asset>> = {
  "app.css": { type: "text/css; charset=utf-8", body: CSS },
  "app.js": { type: "text/javascript; charset=utf-8", body: SCRIPT },
  "favicon.svg": { type: "image/svg+xml", body: FAVICON },
};

/** FNV-1a of a text, as 8 hex digits. */
function fnv(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/** Changes whenever a static file does: it goes in their links. */
export const ASSET_VERSION: string = fnv(CSS + SCRIPT + FAVICON);
