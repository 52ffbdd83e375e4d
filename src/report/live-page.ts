// The live view's page. Self-contained; builds every node with textContent, never innerHTML,
// because events carry attacker-shaped text.

export const LIVE_PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>purple-harness live</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:12px 20px;color:#1d1d24}
h1{font-size:20px}h2{font-size:16px;border-bottom:2px solid #6d3fc0;margin-top:20px}
#status{display:inline-block;padding:2px 10px;border-radius:10px;color:#fff;background:#8a8a8a}
#status.live{background:#1f8a4c}#status.reconnecting{background:#c77c02}
.counts span{margin-right:16px}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
.o-detected{color:#1f8a4c}.o-missed{color:#c0392b}.o-false-positive{color:#8e44ad}.o-error{color:#c77c02}.o-skipped{color:#8a8a8a}.o-true-negative{color:#2e7d6b}
code{font:12px ui-monospace,monospace;word-break:break-all}#events tr:nth-child(odd){background:#fafafa}.muted{color:#676775}
</style>
</head>
<body>
<h1>purple-harness live <span id="status">connecting</span></h1>
<p id="run-status" class="muted">waiting for the run\u2026</p>
<div class="counts"><span>events <b id="count-events">0</b></span><span>alerts <b id="count-alerts">0</b></span><span>verdicts <b id="count-verdicts">0</b></span><span class="muted">last seq <b id="last-seq">0</b></span><span id="dropped" class="muted"></span></div>
<h2>Verdicts</h2>
<table><thead><tr><th>variant</th><th>outcome</th><th>why</th></tr></thead><tbody id="verdicts"></tbody></table>
<h2>Alerts</h2>
<table><thead><tr><th>time</th><th>rule</th><th>join</th><th>events</th></tr></thead><tbody id="alerts"></tbody></table>
<h2>Telemetry (latest 300)</h2>
<table><thead><tr><th>time</th><th>event</th><th>process</th><th>detail</th></tr></thead><tbody id="events"></tbody></table>
<script>
(function(){
'use strict';
var lastSeq=0,counts={event:0,alert:0,verdict:0},delay=250,ws=null;
function $(id){return document.getElementById(id);}
function row(tbody,cells,cls,prepend){var tr=document.createElement('tr');if(cls)tr.className=cls;cells.forEach(function(c){var td=document.createElement('td');td.textContent=c==null?'':String(c);tr.appendChild(td);});if(prepend&&tbody.firstChild)tbody.insertBefore(tr,tbody.firstChild);else tbody.appendChild(tr);return tr;}
function setStatus(s){var el=$('status');el.textContent=s;el.className=s;}
function apply(frame){
 if(frame.seq<=lastSeq)return;
 lastSeq=frame.seq;$('last-seq').textContent=String(lastSeq);
 var m=frame.msg;
 if(m.type==='event'){counts.event++;var e=m.event,p=e.process||{};
  var detail=p.command_line||(e.destination?('\\u2192 '+(e.destination.ip||'?')+':'+(e.destination.port||'?')):'');
  var tr=row($('events'),[e['@timestamp'],e.event.category+'/'+e.event.action,(p.name||'')+(p.pid!=null?' ['+p.pid+']':''),detail],'ev',true);tr.setAttribute('data-event-id',e.event.id);
  var t=$('events');while(t.children.length>300)t.removeChild(t.lastChild);}
 else if(m.type==='alert'){counts.alert++;var a=m.alert;var tr2=row($('alerts'),[a.timestamp,a.rule.name+' ('+a.rule.id+')',a.join_strength||a.rule.join_strength||'',a.event_ids.join(' \\u2192 ')]);tr2.setAttribute('data-alert-id',a.id);}
 else if(m.type==='verdict'){counts.verdict++;var v=m.verdict;var tr3=row($('verdicts'),[v.variant_id,v.outcome,v.explanation],'o-'+v.outcome);tr3.setAttribute('data-variant',v.variant_id);}
 else if(m.type==='status'){$('run-status').textContent=m.text;}
 else if(m.type==='done'){$('run-status').textContent='run finished: exit '+m.exit_code+', coverage '+(m.coverage.coverage==null?'n/a':Math.round(m.coverage.coverage*1000)/10+'%');}
 $('count-events').textContent=String(counts.event);$('count-alerts').textContent=String(counts.alert);$('count-verdicts').textContent=String(counts.verdict);
}
function connect(){
 var proto=location.protocol==='https:'?'wss:':'ws:';
 try{ws=new WebSocket(proto+'//'+location.host+'/ws');}catch(e){schedule();return;}
 ws.onopen=function(){delay=250;setStatus('live');ws.send(JSON.stringify({type:'hello',last_seq:lastSeq}));};
 ws.onmessage=function(ev){var d;try{d=JSON.parse(ev.data);}catch(e){return;}
  if(d.type==='catchup'){d.frames.forEach(apply);if(d.dropped)$('dropped').textContent=d.dropped+' older messages were dropped by the server';}
  else if(d.type==='frame')apply(d.frame);};
 ws.onclose=function(){setStatus('reconnecting');schedule();};
 ws.onerror=function(){try{ws.close();}catch(e){}};
}
function schedule(){setTimeout(connect,delay);delay=Math.min(delay*2,5000);}
connect();
})();
</script>
</body>
</html>
`;
