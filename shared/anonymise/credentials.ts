import { byName } from './detach.js';
/**
 * Names that say their value is a credential: a header, query parameter,
 * form field, cookie or JSON key named `password`, `client_secret`,
 * `accessToken`, `x-api-key`, `jsessionid`... Such a value is pseudonymised
 * whole by default, whatever it holds: a password or an opaque token looks
 * like nothing a detector could recognise. Names are split into words
 * (camelCase, snake_case, kebab-case) so that `pincode` or `tokenizer_mode`
 * are not taken for `pin` or `token`.
 */

const WORDS = new Set([
  'password', 'passwd', 'passphrase', 'pwd', 'secret', 'token', 'apikey', 'otp', 'cvv', 'cvc', 'cvv2', 'ssn', 'auth',
  // short forms and lists (`user=…&pass=…`, a banking app's passcode, push-notification `tokens`)
  'pass', 'pw', 'passcode', 'passkey', 'passwords', 'secrets', 'tokens',
  // a mobile-banking or UPI PIN; a bare `pin` is left alone, since in India it is as often the postal PIN code
  'mpin', 'tpin', 'upipin',
  'sessionid', 'sessid', 'jsessionid', 'phpsessid', 'sid', 'signature', 'credential', 'credentials', 'csrf', 'xsrf',
  // one-time passwords from an authenticator, the `sig` of a signed URL (Azure SAS, many CDNs), a webhook's HMAC (`X-Shopify-Hmac-Sha256`)
  'totp', 'hotp', 'sig', 'hmac',
  // what the Authorization and Cookie headers carry, named outside a header (a JSON or text copy of a request's headers, a form field)
  'authorization', 'authorisation', 'authentication', 'cookie', 'cookies',
  // short forms of a password (`pswd`, `psw`) and a card's security code under other networks' and gateways' names (PayU's `ccvv`, `csc`, `cvn`)
  'pswd', 'psw', 'ccvv', 'csc', 'cvn', 'cvc2',
  // a wallet's recovery phrase
  'mnemonic',
]);
// OAuth's PKCE verifier, OAuth 1.0a's `oauth_verifier`, device code, `access_code` and client assertion; a bare `code` is an authorization code only beside OAuth's other parameters (oauthCodeIn)
// codes sent to prove who one is (`mfa_code`, `verificationCode`, not a device flow's `user_code`, which the device shows to anyone) and a security question's answer
// a SAML assertion posted to a service provider (a bearer credential, with the user's NameID inside), Azure's storage `AccountKey`, a `sessionKey`;
// a credential's name after another word written as one (`newpassword`, `apitoken`, `appsecret`, `otpcode`: PHP and older apps), Cognito's `ConfirmationCode`,
// Firebase's `oobCode`, a card's security code as Authorize.net (`cardCode`) and Cybersource (`cvNumber`) name it;
// keys named for what they sign, encrypt or unlock (`license_key`, `x-parse-master-key`, WooCommerce's `consumer_key`, kubeconfig's `client-key-data`), 2FA recovery codes;
// and, not a credential but as private and as opaque to the detectors, a bank account number (`accountNumber`, `acc_no`, `beneficiary_account_number`)
const JOINED =
  /apikey|authkey|(?:master|signing|encryption|license|licence|consumer|client|webhook|shared|deploy|admin|server|app)key(?:s|data|value|hash|string|pem|hex|b64|base64)?[0-9]*$|(?:recovery|backup)codes?$|samlresponse|accountkey|sessionkey|acc(?:ount|t)?(?:number|num|no)$|accesskey|privatekey|secretkey|clientsecret|clientassertion|codeverifier|oauthverifier|devicecode|accesscode$|accesstoken|refreshtoken|idtoken|authtoken|sessiontoken|sessionid|subscriptionkey|functionskey|upipin|atmpin|(?:card|debit|credit|txn|transaction)pin$|csrf|xsrf|(?:mfa|sms|2fa|twofactor|verification|verify|security|reset|login|activation|onetime|otp|auth|confirmation|confirm|email|oob)code$|securityanswer$|(?:password|passwd|passphrase)[0-9]*$|(?:token|secret)s?$|(?:new|old|user|current|confirm|login|admin|db|root|txn)pass$|cardcode$|cvnumber$/;

/** Answers by name: headers, parameters and keys repeat from record to record. */
export const isCredentialName = byName(4096, (name) => credentialWords(name));

const TRAILING_DIGITS = /[0-9]+$/;

/** The words of a name, lower-cased: camelCase, snake_case, kebab-case, acronyms and spaces split (`newPin` → new, pin; `OTPValue` → otp, value). */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    // an acronym of two capitals or more before a word (`OTPValue`, `CVVNumber`, `APIKey`; not `MPin`, `OAuth`)
    .replace(/([A-Z]{2,})([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** `w` without its trailing digits (`password2` → password). */
export const withoutDigits = (w: string) => w.replace(TRAILING_DIGITS, '');

/**
 * A last word that says the name is about a credential, not one: its algorithm, method, version, type, format,
 * length, lifetime (`SigAlg`, `SignatureMethod`, `token_type`, `passwordLength`, `token_expires_in`). Not `hint`
 * (OpenID's `id_token_hint` holds the token), not `url` (a calendar's `secretIcalUrl` is the secret).
 */
const DESCRIBES = new Set(['alg', 'algorithm', 'algo', 'method', 'version', 'ver', 'type', 'format', 'length', 'len', 'expiry', 'expiration', 'expires', 'expired', 'ttl', 'lifetime', 'timeout', 'strength', 'policy', 'scheme', 'enabled', 'required', 'mode', 'domain']);
/** Twilio's resource ids (`AccountSid`, `MessageSid`, `MessagingServiceSid`): an id, not a session's (`sid`, `connect.sid`). */
const SID_OWNERS = new Set(['account', 'message', 'sms', 'call', 'service', 'conversation', 'participant', 'recording', 'conference', 'workspace', 'task', 'worker', 'flow', 'execution', 'queue', 'media', 'channel', 'verification']);

/** A name of two words or more whose last says it is about a credential (`token_type`, `x-session-timeout`, Firebase's `authDomain`). */
export function describesCredential(name: string): boolean {
  return describedBy(nameWords(name));
}

function describedBy(words: readonly string[]): boolean {
  if (words.length < 2) return false;
  const last = withoutDigits(words[words.length - 1]!);
  const before = words[words.length - 2]!;
  return DESCRIBES.has(last) || ((last === 'in' || last === 'at') && before === 'expires') || (last === 'sid' && SID_OWNERS.has(before));
}

function credentialWords(name: string): boolean {
  const words = nameWords(name);
  if (describedBy(words)) return false;
  // `password1`, `password2` (Django's sign-up form): a word's trailing digits count it as itself
  return words.some((w) => WORDS.has(w) || WORDS.has(withoutDigits(w))) || JOINED.test(words.join(''));
}

/**
 * A test of a whole JSON text for a key that may name a credential (it may
 * also match in a value): about 3.5 ns a character, so it is only run on
 * small bodies that hold nothing a detector finds (a login request, a token
 * answer); the JSON walk checks keys itself (mayNameCredential).
 */
export const MAYBE_CREDENTIAL_KEY =
  /pass(?:word|wd|phrase)|pass\b|pswd?\b|pwd|secret|token|api[-_ ]?key|otp|cvv|cvc|csc|cvn|card[-_]?code|cv[-_]?number|(?:confirm(?:ation)?|email|oob)[-_]?code|ssn|sess(?:ion)?[-_]?id|sid|auth|signature|credential|csrf|xsrf|cookie|code[-_]?verifier|oauth[-_]?verifier|device[-_]?code|access[-_]?code|passkey|client[-_]?assertion|sig\b|hmac|samlresponse|account[-_]?key|session[-_]?key|(?:master|signing|encryption|licen[cs]e|consumer|client|webhook|shared|deploy|admin|server|app)[-_]?key|(?:recovery|backup)[-_]?codes?|acc(?:ount|t)?[-_]?(?:number|num|no)\b|(?:mfa|sms|2fa|verification|verify|security|login|activation)[-_]?code|security[-_]?answer|mnemonic|\bcurl\b|\bpin\b/i;

/**
 * Last three letters (lower-cased) of keys, as 15-bit codes: those of the
 * words isCredentialName knows (CREDENTIAL_END), those read further back
 * (LONGER_END), and those of keys that may name a secret a sibling member
 * holds (SIBLING_END: `name`, `type`, `key`, `grant_type`, `redirect_uri`,
 * `code_verifier`; json-siblings.ts).
 */
const SUFFIXES = new Uint8Array(1 << 15);
const CREDENTIAL_END = 1;
const LONGER_END = 2;
export const SIBLING_END = 4;
const SECRET_STRING_END = 8;
/** `…value`, `…hash`, `…data` after a credential's name: keyEnding leaves it off keys too short for both (`value`, `data`). */
const TRAILING_END = 16;
/** Endings of the names of phone numbers (phone-name.ts): `…phone`, `mobile`, `msisdn`, `…no`, `wa_id`, `tel`, `whatsapp`; `…number` is LONGER_END's. */
export const PHONE_END = 32;
/** The shortest key with a credential's name and a trailing word: `otpdata`, `pwdhash`. */
const TRAILING_MIN = 7;
const code3 = (a: number, b: number, c: number) => (((a | 0x20) & 31) << 10) | (((b | 0x20) & 31) << 5) | ((c | 0x20) & 31);
function mark(end: string, bit: number): void {
  const c = code3(end.charCodeAt(end.length - 3), end.charCodeAt(end.length - 2), end.charCodeAt(end.length - 1));
  SUFFIXES[c] = SUFFIXES[c]! | bit;
}
// not `passcode`: every `…code` key (pincode, countryCode) would leave the walk's fast lane
for (const w of ['password', 'passwd', 'passphrase', 'pwd', 'secret', 'token', 'key', 'otp', 'cvv', 'cvc', 'cvv2', 'ssn', 'sessionid', 'sessid', 'sid', 'auth', 'signature', 'credential', 'credentials', 'csrf', 'xsrf', 'authorization', 'authorisation', 'authentication', 'cookie', 'cookies', 'pass', 'passwords', 'secrets', 'tokens', 'mpin']) {
  mark(w, CREDENTIAL_END);
}
// `sig`; a password given twice (`passwordConfirm`, `password_repeat`, `passwordAgain`, `password1`/`password2`) and `securityAnswer`:
// keys that end so are few (`domain`, `seat`, `answer`), and the name check of each is a cached lookup
for (const w of ['sig', 'irm', 'eat', 'ain', 'rd1', 'rd2', 'wer']) mark(w, CREDENTIAL_END);
// `psw`, `csc`, `cvn`, `cvc2`, `mnemonic`: few keys end so
for (const w of ['psw', 'csc', 'cvn', 'vc2', 'nic']) mark(w, CREDENTIAL_END);
// `hmac` (Shopify's `{"shop":…,"hmac":…}`): few keys end so (`mac`, a device's address: not a credential word)
mark('mac', CREDENTIAL_END);

// `…ier` and `…code` keys are many (supplier, pincode, countryCode): those go on only for OAuth's `code_verifier` and `device_code`;
// `…number`, `…num` and `…no` keys (orderNumber, page_no) only for a bank account's
// `…nse` keys (response, license) only for SAML's `SAMLResponse`
for (const w of ['ier', 'ode', 'ber', 'num', 'cno', 'tno', '_no', 'nse']) mark(w, LONGER_END);
// `…value`, `…hash`, `…data` and `…string` keys only after a credential's name (`otpValue`, `password_hash`, `client-key-data`, `tokenString`)
for (const w of ['lue', 'ash', 'ata']) mark(w, TRAILING_END);
// 2FA `recovery_codes` and `backup_codes`
mark('des', LONGER_END);
// `session_id`, `SESSION_ID`, `session-id`, Cashfree's `payment_session_id` (`sessionId` ends as `sessionid` does); every
// other `…_id` key stops at one look back
mark('_id', LONGER_END);
mark('-id', LONGER_END);
// `…ing` keys too (rating, billing): of those only AWS Secrets Manager's `SecretString`, and a credential's name and `string`
mark('ing', SECRET_STRING_END);
for (const w of ['name', 'type', 'key', 'uri', 'ier', 'kind', 'label', 'field', 'title', 'param', 'path', 'property', 'variable', 'attribute', 'loc', 'phone', 'email', 'mobile', 'msisdn', 'phoneNumber', 'mobileNumber', 'kty']) mark(w, SIBLING_END);

for (const w of ['one', 'ile', 'sdn', 'eno', '_no', 'lno', 'aid', '_id', 'tel', 'ell', 'app', 'ber', 'num', 'ne1', 'ne2', 'ne3', 'e_1', 'e_2', 'e_3', 'le1', 'le2']) mark(w, PHONE_END);

/** The SUFFIXES bits of the key text[start, end): 0 for most keys. */
export function keyEnding(text: string, start: number, end: number): number {
  if (end - start < 3) return 0;
  const bits = SUFFIXES[code3(text.charCodeAt(end - 3), text.charCodeAt(end - 2), text.charCodeAt(end - 1))]!;
  // `value`, `data`, `hash` (many keys) end like nothing the walk must ask about
  return bits !== TRAILING_END || end - start >= TRAILING_MIN ? bits : 0;
}

/**
 * keyEnding of the key that ends at `end`, whose start is not known (the JSON pre-check reads back from its closing
 * quote): a key with a trailing word only (`value`, `data`, `hash`) is too short to hold a credential's name as well.
 */
export function keyEndingBefore(text: string, end: number): number {
  const bits = keyEnding(text, 0, end);
  if (bits !== TRAILING_END) return bits;
  for (let k = end - 1; k >= end - TRAILING_MIN && k >= 0; k--) if (text.charCodeAt(k) === 34) return 0;
  return bits;
}

/**
 * A quick look at the end of a key, text[start, end): false unless it ends
 * like a word isCredentialName knows (`…word`, `…ken`, `…key`), so the walk
 * spends a few comparisons per key and calls isCredentialName on few.
 */
export function mayNameCredential(text: string, start: number, end: number): boolean {
  const s = keyEnding(text, start, end);
  return (s & CREDENTIAL_END) !== 0 || ((s & (LONGER_END | TRAILING_END)) !== 0 && endsLikeLonger(text, start, end)) || ((s & SECRET_STRING_END) !== 0 && (endsWithWord(text, start, end, 'secretstring') || credentialThen(text, start, end, 'string')));
}

/**
 * A `…ier`, `…code`, `…number`, `…no`, `…value`, `…hash` or `…string` key
 * that may be a credential: a credential's name and one of TRAILING_WORDS
 * (`otpValue`, `password_hash`), OAuth's `code_verifier` or `device_code`, a bank account number, or a
 * code whose last three letters before `code` are those of a credential's
 * (`passcode`, `mfa_code`, `verificationCode`, `otp_code`); `pincode`,
 * `countryCode`, `currency_code`, `orderNumber` and most others stop at
 * that look. Apart from the fast path, so that stays small.
 */
function endsLikeLonger(text: string, start: number, end: number): boolean {
  // one branch per ending (keyEnding leaves `value`, `data` and `hash` themselves off)
  switch (code3(text.charCodeAt(end - 3), text.charCodeAt(end - 2), text.charCodeAt(end - 1))) {
    case END_LUE:
      return credentialThen(text, start, end, 'value');
    case END_ASH:
      return credentialThen(text, start, end, 'hash');
    case END_ATA:
      return credentialThen(text, start, end, 'data');
    case END_DES:
      return endsWithWord(text, start, end, 'recoverycodes') || endsWithWord(text, start, end, 'backupcodes');
    case END_IER:
      return endsWithWord(text, start, end, 'codeverifier') || endsWithWord(text, start, end, 'oauthverifier');
    case END_NSE:
      return endsWithWord(text, start, end, 'samlresponse');
    case END__ID:
    case END_DASH_ID:
      return endsWithWord(text, start, end, 'sessionid');
    case END_BER:
      return credentialThen(text, start, end, 'number') || accountNumber(text, start, end) || endsWithWord(text, start, end, 'cvnumber');
    case END_ODE:
      break;
    default:
      return accountNumber(text, start, end);
  }
  if (credentialThen(text, start, end, 'code') || endsWithWord(text, start, end, 'devicecode')) return true;
  let i = end - 4;
  while (i > start && (text.charCodeAt(i - 1) === 95 || text.charCodeAt(i - 1) === 45)) i--;
  return i - start >= 3 && BEFORE_CODE[code3(text.charCodeAt(i - 3), text.charCodeAt(i - 2), text.charCodeAt(i - 1))] === 1;
}

const end3 = (w: string) => code3(w.charCodeAt(0), w.charCodeAt(1), w.charCodeAt(2));
const [END_LUE, END_ASH, END_ATA, END_DES, END_IER, END_NSE, END_BER, END_ODE, END__ID, END_DASH_ID] = ['lue', 'ash', 'ata', 'des', 'ier', 'nse', 'ber', 'ode', '_id', '-id'].map(end3);

/** A bank account number's key (`accountNumber`, `acc_no`, `beneficiary_account_num`). */
function accountNumber(text: string, start: number, end: number): boolean {
  for (const w of ACCOUNT_NUMBERS) if (endsWithWord(text, start, end, w)) return true;
  return false;
}

/** How a bank account number's key ends (JOINED), `_` and `-` aside; each is given up at its first letter that differs. */
const ACCOUNT_NUMBERS = ['accountnumber', 'acctnumber', 'accnumber', 'accountnum', 'acctnum', 'accountno', 'acctno', 'accno'];

/** Last three letters before `code` of the codes isCredentialName knows (JOINED; `pass` for passcode, `otp`/`totp` as words). */
const BEFORE_CODE = new Uint8Array(1 << 15);
for (const w of ['pass', 'mfa', 'sms', '2fa', 'twofactor', 'verification', 'verify', 'security', 'reset', 'login', 'activation', 'onetime', 'otp', 'auth', 'recovery', 'backup', 'access', 'confirm', 'email', 'oob', 'card']) {
  BEFORE_CODE[code3(w.charCodeAt(w.length - 3), w.charCodeAt(w.length - 2), w.charCodeAt(w.length - 1))] = 1;
}

/** text[start, end) ends with `word` (lower case), whatever the case and with '_' or '-' anywhere (`code_verifier`, `deviceCode`). */
function endsWithWord(text: string, start: number, end: number, word: string): boolean {
  return wordStart(text, start, end, word) >= 0;
}

/** Where `word` starts when text[start, end) ends with it (as endsWithWord reads it), else -1. */
function wordStart(text: string, start: number, end: number, word: string): number {
  let i = end;
  for (let k = word.length - 1; k >= 0; k--) {
    // '_', '-' and ' ' between words (`account_no`, `Account Number`, a form's label)
    while (i > start && isSeparator(text.charCodeAt(i - 1))) i--;
    if (i <= start || (text.charCodeAt(i - 1) | 0x20) !== word.charCodeAt(k)) return -1;
    i--;
  }
  return i;
}

const isSeparator = (c: number) => c === 95 || c === 45 || c === 32;

/**
 * text[start, end) is a credential's name followed by `word` (`otpValue`, `password_hash`), as the last three letters
 * before it say; not a `pass` followed by `number` or `data` (`boardingPassNumber`, `bus_pass_data`: a ticket's).
 */
function credentialThen(text: string, start: number, end: number, word: string): boolean {
  let i = wordStart(text, start, end, word);
  if (i < 0) return false;
  while (i > start && isSeparator(text.charCodeAt(i - 1))) i--;
  if (i - start < 3 || (keyEnding(text, start, i) & CREDENTIAL_END) === 0) return false;
  return (word !== 'number' && word !== 'data') || code3(text.charCodeAt(i - 3), text.charCodeAt(i - 2), text.charCodeAt(i - 1)) !== END_ASS;
}
const END_ASS = code3(97, 115, 115);

// `\u0026`: an `&` JSON-escaped (Go's encoding/json writes every `&` so), in NDJSON or a log of JSON
const OAUTH_CODE = /(?:^|[?&#;]|\\u0026)code=/;
const OAUTH_CONTEXT = /(?:^|[?&#;]|\\u0026)(?:grant_type|code_verifier|redirect_uri|state)=/;

/**
 * A query, form or URL whose `code` parameter is an OAuth authorization
 * code: one that also has `grant_type`, `code_verifier`, `redirect_uri` or
 * `state` (a token request, a callback `?code=…&state=…`). A `code` alone
 * is as often a country's, a promotion's or an error's.
 */
export function oauthCodeIn(params: string): boolean {
  return params.includes('code=') && OAUTH_CODE.test(params) && OAUTH_CONTEXT.test(params);
}

/**
 * A `code=` parameter starts at `at`: at the text's start or after `?`,
 * `&`, `#`, `;` or a quote (a URL or form kept in a JSON string or in
 * text), or after a JSON-escaped `&` (`\u0026`: Go's encoding/json writes
 * every `&` so). It is an OAuth code when the text also has OAuth's other
 * parameters (oauthCodeIn, or oauthContextInJson for a JSON text).
 */
export function codeParamAt(text: string, at: number): boolean {
  if (!text.startsWith('code=', at)) return false;
  const before = at === 0 ? 63 : text.charCodeAt(at - 1);
  return before === 63 || before === 38 || before === 35 || before === 59 || before === 34 || (before === 54 && text.startsWith(ESCAPED_AMP, at - 6));
}

const ESCAPED_AMP = '\\u0026';
const OAUTH_CONTEXT_IN_STRING = /(?:[?&#;"]|\\u0026)(?:grant_type|code_verifier|redirect_uri|state)=/;

/** A JSON text one of whose strings holds OAuth's other parameters, as a query or form would (`"state=…"`, `?redirect_uri=…`). */
export function oauthContextInJson(text: string): boolean {
  return OAUTH_CONTEXT_IN_STRING.test(text);
}

/**
 * A bare `key` holding a token: dj-rest-auth's login answer `{"key":"9944b0…"}`, Trello's and Steam's `?key=…`. Only
 * 32 to 128 hex digits count: an i18n, cache, object or sort key holds dots, slashes, colons or words.
 */
export const isBareKey = (name: string) => name.length === 3 && name.toLowerCase() === 'key';
const HEX_TOKEN = /^[0-9a-fA-F]{32,128}$/;
export const isHexToken = (value: string) => HEX_TOKEN.test(value);

/** A JSON string of 32 to 128 hex digits starts at text[at] (spaces before it skipped). */
export function hexTokenAt(text: string, at: number): boolean {
  let i = at;
  while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9 || text.charCodeAt(i) === 10 || text.charCodeAt(i) === 13) i++;
  if (text.charCodeAt(i) !== 34) return false;
  let e = i + 1;
  while (e - i <= 129 && isHexDigit(text.charCodeAt(e))) e++;
  return text.charCodeAt(e) === 34 && e - i - 1 >= 32 && e - i - 1 <= 128;
}
const isHexDigit = (c: number) => (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
