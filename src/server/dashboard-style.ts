// The dashboard's CSS: owner colours with a text mark each (readable in a screenshot and
// without colour), a grid of fixed-size cells that the script positions.

export const dashboardStyle = `
:root { --cell: 26px; font-family: system-ui, sans-serif; color: #1b1f24; background: #fafbfc; }
body { margin: 0; }
header { display: flex; gap: 1.5rem; align-items: baseline; padding: .6rem 1rem; background: #24292f; color: #fff; flex-wrap: wrap; }
header h1 { font-size: 1.25rem; margin: 0; }
header .sub { font-weight: normal; opacity: .8; font-size: .95rem; }
header p { margin: 0; }
.badge { padding: .1rem .5rem; border-radius: .6rem; background: #57606a; font-size: .85rem; }
.badge.on { background: #1a7f37; }
main { display: grid; grid-template-columns: minmax(0, 1fr) 26rem; gap: 1rem; padding: 1rem; }
.logsec { grid-column: 1 / -1; }
h2 { font-size: 1.05rem; margin: .2rem 0 .5rem; }
.legend { display: flex; flex-wrap: wrap; gap: .9rem; list-style: none; padding: 0; margin: 0 0 .4rem; font-size: .85rem; }
.hint { font-size: .85rem; color: #57606a; margin: .2rem 0 .5rem; }
#grid { position: relative; overflow: auto; max-height: 70vh; border: 1px solid #d0d7de; background: #fff; outline: none; }
#spacer { position: relative; }
.row { position: absolute; left: 0; height: var(--cell); }
.c, .h { position: absolute; top: 0; width: var(--cell); height: var(--cell); box-sizing: border-box; display: flex; align-items: center; justify-content: center;
  font: 600 calc(var(--cell) * .45) ui-monospace, monospace; border: 1px solid #fff; }
.h { background: #eaeef2; color: #24292f; font-weight: 600; z-index: 2; }
.h.cdom { box-shadow: inset 0 -4px 0 #8250df; }
.h.corner { z-index: 3; }
.c { cursor: pointer; }
.c:focus { outline: 3px solid #0969da; outline-offset: -3px; z-index: 1; }
.c.sel { outline: 3px solid #bf3989; outline-offset: -3px; }
.c.inmdev { box-shadow: inset 0 0 0 2px #bf3989; }
.sw { display: inline-flex; width: 1.3rem; height: 1.3rem; align-items: center; justify-content: center; font: 600 .8rem ui-monospace, monospace; border: 1px solid #d0d7de; }
.host { background: #8c959f; color: #fff; }
.free { background: #dafbe1; color: #1a7f37; }
.unbound { background: #fff8c5; color: #7d4e00; }
.none { background: #f6f8fa; }
.m0 { background: #54aeff; color: #000; } .m1 { background: #ffb77c; color: #000; } .m2 { background: #c297ff; color: #000; } .m3 { background: #4ac26b; color: #000; }
.m4 { background: #ff8182; color: #000; } .m5 { background: #d4a72c; color: #000; } .m6 { background: #76e3ea; color: #000; } .m7 { background: #f778ba; color: #000; }
.used { background-image: repeating-linear-gradient(45deg, rgba(0,0,0,.28) 0 3px, transparent 3px 7px); }
.cd { display: inline-block; padding: 0 .3rem; border-bottom: 4px solid #8250df; font-weight: 600; }
aside section { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: .6rem .8rem; margin-bottom: .8rem; }
.buttons { display: flex; flex-wrap: wrap; gap: .4rem; margin: .5rem 0; }
button { font: inherit; font-size: .85rem; padding: .25rem .6rem; border: 1px solid #8c959f; border-radius: 4px; background: #f6f8fa; cursor: pointer; }
button:focus-visible, select:focus-visible { outline: 3px solid #0969da; }
select { font: inherit; font-size: .85rem; max-width: 100%; }
#result { font-size: .85rem; min-height: 1.2rem; }
#result pre { white-space: pre-wrap; word-break: break-all; margin: .3rem 0 0; }
#result .err { color: #a40e26; background: #ffebe9; border: 1px solid #ff8182; padding: .4rem; border-radius: 4px; }
#result .ok { color: #1a7f37; }
#result code, #mdevs code { font-size: .8rem; word-break: break-all; }
table { border-collapse: collapse; font-size: .8rem; width: 100%; }
th, td { text-align: left; padding: .15rem .3rem; border-bottom: 1px solid #eaeef2; vertical-align: top; }
#log { max-height: 16rem; overflow: auto; word-break: break-all; background: #0d1117; color: #e6edf3; padding: .6rem; font-size: .8rem; margin: 0; white-space: pre-wrap; }
@media (max-width: 900px) { main { grid-template-columns: 1fr; } }
`;
