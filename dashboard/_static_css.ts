/**
 * The dashboard's one stylesheet, shipped as a string so it works offline
 * in the npm and JSR packages alike. Faktory's colours: a light page, teal
 * links and buttons, orange for what removes or stops, a dark footer.
 *
 * @module
 */

/** The stylesheet. */
export const CSS = `
:root {
  --bg: #f3f3f1; --panel: #fff; --panel-2: #f8f8f6; --border: #deded9;
  --text: #2d2d2d; --muted: #6f6f6a; --teal: #23809a; --teal-dark: #1b6679;
  --orange: #e8590c; --orange-dark: #c44b0a; --green: #2f9e44; --red: #d6336c;
  --amber: #f08c00; --head: #fff; --foot: #212325; --foot-text: #f4a340;
  --shadow: 0 1px 2px rgba(0,0,0,.05);
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #17191b; --panel: #202326; --panel-2: #262a2e; --border: #363b40;
    --text: #e4e4e0; --muted: #9a9d98; --teal: #4db3cc; --teal-dark: #72c6da;
    --orange: #ff7a33; --orange-dark: #ff9457; --green: #51cf66; --red: #f06595;
    --head: #1c1f22; --foot: #101214; --shadow: none;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--text);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  display: flex; flex-direction: column; min-height: 100vh;
}
a { color: var(--teal); text-decoration: none; }
a:hover { color: var(--teal-dark); text-decoration: underline; }
code, .mono, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 13px; }
header.top {
  background: var(--head); border-bottom: 1px solid var(--border);
  display: flex; align-items: stretch; gap: 16px; padding: 0 20px; flex-wrap: wrap;
}
.brand { display: flex; align-items: center; gap: 8px; color: var(--text); font-size: 26px; font-weight: 600; padding: 6px 0; }
.brand:hover { text-decoration: none; color: var(--text); }
.brand svg { width: 32px; height: 32px; }
.brand small { font-size: 11px; font-weight: 600; color: #fff; background: var(--orange); border-radius: 4px; padding: 1px 6px; letter-spacing: .04em; }
nav.tabs { display: flex; flex: 1; justify-content: center; overflow-x: auto; }
nav.tabs a { color: var(--muted); padding: 16px 14px 13px; border-bottom: 3px solid transparent; white-space: nowrap; }
nav.tabs a:hover { color: var(--text); text-decoration: none; }
nav.tabs a.active { color: var(--text); border-bottom-color: var(--teal); }
.status { display: flex; align-items: center; gap: 8px; font-size: 13px; color: var(--muted); }
.status select { font: inherit; color: inherit; background: var(--panel-2); border: 1px solid var(--border); border-radius: 4px; padding: 2px 4px; }
.live { display: inline-flex; align-items: center; gap: 6px; background: var(--panel-2); border: 1px solid var(--border); border-radius: 4px; padding: 3px 9px; color: var(--text); }
.live::before { content: ""; width: 8px; height: 8px; border-radius: 50%; background: var(--muted); }
.live.on::before { background: var(--green); }
.live.stale { color: var(--red); }
.live.stale::before { background: var(--red); }
main { flex: 1; width: 100%; max-width: 1240px; margin: 0 auto; padding: 20px; }
.summary {
  display: grid; grid-template-columns: repeat(7, 1fr); background: var(--panel);
  border: 1px solid var(--border); border-radius: 6px; box-shadow: var(--shadow); margin-bottom: 20px;
}
.summary a, .summary div { display: block; text-align: center; padding: 14px 6px; color: var(--text); }
.summary a:hover { background: var(--panel-2); text-decoration: none; }
.summary b { display: block; font-size: 24px; font-weight: 650; font-variant-numeric: tabular-nums; }
.summary span { font-size: 14px; color: var(--muted); }
.summary a span { color: var(--teal); }
.summary .failed b { color: var(--red); }
h1 { font-size: 26px; font-weight: 500; margin: 4px 0 14px; display: flex; align-items: center; gap: 10px; flex-wrap: wrap; }
h1 .count { font-size: 15px; color: var(--muted); font-weight: 400; }
h2 { font-size: 19px; font-weight: 500; margin: 26px 0 10px; }
.bar { display: flex; align-items: center; justify-content: space-between; gap: 12px; flex-wrap: wrap; margin-bottom: 10px; }
.bar h1, .bar h2 { margin: 0; }
.bar.section { margin-top: 26px; }
.actions { display: flex; gap: 6px; flex-wrap: wrap; align-items: center; }
.actions form { display: inline; margin: 0; }
.panel { background: var(--panel); border: 1px solid var(--border); border-radius: 6px; box-shadow: var(--shadow); }
.table-wrap { overflow-x: auto; background: var(--panel); border: 1px solid var(--border); border-radius: 6px; box-shadow: var(--shadow); }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 9px 10px; border-bottom: 1px solid var(--border); vertical-align: baseline; }
th { background: var(--panel-2); font-size: 13px; font-weight: 600; white-space: nowrap; }
tbody tr:last-child td { border-bottom: 0; }
tbody tr:hover td { background: var(--panel-2); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.check, th.check { width: 34px; text-align: center; }
td.empty { text-align: center; color: var(--muted); padding: 28px; }
.args { max-width: 420px; overflow-wrap: anywhere; color: var(--text); }
.err { max-width: 380px; overflow-wrap: anywhere; }
.err b { color: var(--red); font-weight: 600; }
.muted { color: var(--muted); }
.btn {
  display: inline-flex; align-items: center; gap: 4px; font: 600 13px/1 system-ui, sans-serif; color: #fff;
  background: var(--teal); border: 1px solid transparent; border-radius: 4px; padding: 7px 11px; cursor: pointer; white-space: nowrap;
}
.btn:hover { background: var(--teal-dark); color: #fff; text-decoration: none; }
.btn.danger { background: var(--orange); }
.btn.danger:hover { background: var(--orange-dark); }
.btn.ghost { background: transparent; color: var(--teal); border-color: var(--border); }
.btn.ghost:hover { background: var(--panel-2); }
.btn:disabled { opacity: .45; cursor: default; }
.btn.big { font-size: 15px; padding: 9px 14px; }
.badge { display: inline-block; font: 600 11px/1.5 system-ui, sans-serif; border-radius: 4px; padding: 0 6px; background: var(--panel-2); color: var(--muted); border: 1px solid var(--border); margin: 0 2px; }
.badge.label { background: #1c7ed6; color: #fff; border-color: transparent; }
.badge.quiet { background: var(--amber); color: #fff; border-color: transparent; }
.badge.terminate, .badge.paused { background: var(--orange); color: #fff; border-color: transparent; }
.badge.running { background: var(--green); color: #fff; border-color: transparent; }
.notice { background: #e6f4ea; color: #1e5f2c; border: 1px solid #b7dfc2; border-radius: 6px; padding: 9px 14px; margin-bottom: 16px; }
.notice.warn { background: #fff4e6; color: #8a4b08; border-color: #f5d0a9; }
@media (prefers-color-scheme: dark) {
  .notice { background: #183222; color: #a9e5b8; border-color: #2b5a3a; }
  .notice.warn { background: #3a2a12; color: #f5c98b; border-color: #6b4a1c; }
}
.pager { display: flex; gap: 0; }
.pager a, .pager span { padding: 5px 11px; border: 1px solid var(--border); margin-left: -1px; background: var(--panel); }
.pager span.current { background: var(--teal); color: #fff; border-color: var(--teal); }
.pager span.gap { color: var(--muted); }
.chart-panel { padding: 12px 14px 6px; margin-bottom: 8px; }
.legend { display: flex; gap: 18px; font-size: 13px; color: var(--muted); flex-wrap: wrap; align-items: center; }
.legend b { font-variant-numeric: tabular-nums; color: var(--text); }
.legend i { display: inline-block; width: 12px; height: 3px; margin-right: 6px; vertical-align: middle; }
.legend .p i { background: var(--green); }
.legend .f i { background: var(--red); }
svg.chart { display: block; width: 100%; height: 220px; }
svg.chart .grid { stroke: var(--border); stroke-width: 1; }
svg.chart .axis { fill: var(--muted); font-size: 11px; }
svg.chart .processed { stroke: var(--green); fill: none; stroke-width: 2; }
svg.chart .processed-area { fill: var(--green); opacity: .12; stroke: none; }
svg.chart .failed { stroke: var(--red); fill: none; stroke-width: 2; }
.facts { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 14px; }
.facts div { background: var(--panel); border: 1px solid var(--border); border-radius: 6px; padding: 16px 10px; text-align: center; box-shadow: var(--shadow); }
.facts b { display: block; font-size: 24px; font-weight: 650; font-variant-numeric: tabular-nums; }
.facts span { font-size: 13px; color: var(--muted); }
dl.job { display: grid; grid-template-columns: max-content 1fr; margin: 0; }
dl.job dt, dl.job dd { padding: 9px 12px; border-bottom: 1px solid var(--border); margin: 0; }
dl.job dt { font-weight: 600; font-size: 13px; background: var(--panel-2); }
dl.job dd { overflow-wrap: anywhere; min-width: 0; }
pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
pre.block { background: var(--panel-2); border: 1px solid var(--border); border-radius: 4px; padding: 10px; max-height: 420px; overflow: auto; }
details summary { cursor: pointer; color: var(--teal); margin: 10px 0; }
.selection { font-size: 13px; color: var(--muted); }
footer {
  background: var(--foot); color: var(--foot-text); font-size: 13px; padding: 14px 20px;
  display: flex; gap: 22px; flex-wrap: wrap;
}
footer span.dim { color: #8b8f93; }
body.stale main { opacity: .75; }
@media (max-width: 760px) {
  header.top { padding: 0 12px; gap: 8px; }
  .brand { font-size: 21px; }
  .brand svg { width: 26px; height: 26px; }
  nav.tabs { order: 3; flex-basis: 100%; justify-content: flex-start; flex-wrap: wrap; overflow: visible; }
  nav.tabs a { padding: 6px 9px 5px; }
  .status { margin-left: auto; }
  .status .muted { display: none; }
  main { padding: 12px; }
  .summary { grid-template-columns: repeat(4, 1fr); }
  .summary a, .summary div { padding: 10px 2px; }
  .summary b { font-size: 18px; }
  .summary span { font-size: 12px; }
  h1 { font-size: 22px; }
  .args { min-width: 220px; }
  .err { min-width: 200px; }
  dl.job { grid-template-columns: 1fr; }
  dl.job dt { border-bottom: 0; padding-bottom: 2px; }
  footer { gap: 4px 16px; }
}
`;
