/**
 * The keys of json-siblings.ts: which name a secret a sibling member holds
 * (namers), which hold it (holders), and of what kind, as bit flags that
 * pair each namer with its holders.
 */

/** A frame's `sibling` marks: its members `value`, `Value`, `ParameterValue` hold a secret… */
export const HOLDS_VALUE = 1;
/** …its member `code` does. */
export const HOLDS_CODE = 2;
/** …its member `code` does when it holds 4 to 8 digits: a one-time code sent with the phone or address it went to… */
export const HOLDS_OTP = 4;
/** …its member `input` does (pydantic's `loc`, zod's `path`, a validator's `field`, `param`, `property`; not a tool call's `name`, a form's `label`)… */
export const HOLDS_INPUT = 8;
/** …its member `value` does (express-validator's `path`, JSON Patch's after its `op`; not a route's `data` or `text`). */
export const HOLDS_PATCH_VALUE = 16;
/** …its members `d`, `p`, `q`, `dp`, `dq`, `qi` (RSA, EC, OKP) and `k` (a symmetric key) do: the private half of a JWK, named by its `kty`. */
export const HOLDS_JWK = 32;
/** Kinds whose namer's string must name a credential (not OAuth's, nor a phone's). */
export const NAMED = HOLDS_VALUE | HOLDS_INPUT | HOLDS_PATCH_VALUE;

/**
 * text[at…] is `word`, `word` with its first letter capitalised, or `WORD` (the caller compared the first letter already,
 * in either case). Only a key whose second letter is a capital pays for the upper-cased comparison.
 */
const is = (text: string, at: number, word: string) => {
  if (text.startsWith(word.slice(1), at + 1)) return true;
  const c = text.charCodeAt(at + 1);
  return c >= 65 && c <= 90 && text.startsWith(word.slice(1).toUpperCase(), at + 1);
};
/** The lower-cased first letter of text[at]: one comparison settles most keys before any startsWith (each costs ~10 ns). */
const first = (text: string, at: number) => text.charCodeAt(at) | 0x20;

/** What the key text[start, end) says its siblings hold: HOLDS_VALUE (when its string names a credential), HOLDS_CODE, or 0. */
export function namerKind(text: string, start: number, end: number): number {
  const c = first(text, start);
  switch (end - start) {
    case 3:
      if (c === 108) return is(text, start, 'loc') ? HOLDS_INPUT | HOLDS_PATCH_VALUE : 0;
      // a JWK's member names are case-sensitive (RFC 7517): `kty` only
      if (text.startsWith('kty', start)) return HOLDS_JWK;
      return c === 107 && is(text, start, 'key') ? HOLDS_VALUE : 0;
    case 4:
      if (c === 112) return is(text, start, 'path') ? HOLDS_PATCH_VALUE | HOLDS_INPUT : 0;
      return (c === 110 && is(text, start, 'name')) || (c === 116 && is(text, start, 'type')) || (c === 107 && is(text, start, 'kind')) ? HOLDS_VALUE : 0;
    case 5:
      if ((c === 112 && is(text, start, 'phone')) || (c === 101 && is(text, start, 'email'))) return HOLDS_OTP;
      // a form's `label` and `title` describe an `input` (`{"label":"OTP","input":"text"}`): those pair with the other holders only
      if ((c === 108 && is(text, start, 'label')) || (c === 116 && is(text, start, 'title'))) return HOLDS_VALUE;
      return (c === 102 && is(text, start, 'field')) || (c === 112 && is(text, start, 'param')) ? HOLDS_VALUE | HOLDS_INPUT : 0;
    case 6:
      return (c === 109 && is(text, start, 'mobile')) || (c === 109 && is(text, start, 'msisdn')) ? HOLDS_OTP : 0;
    case 8:
      return (c === 112 && is(text, start, 'property')) || (c === 118 && is(text, start, 'variable')) ? HOLDS_VALUE | HOLDS_INPUT : 0;
    case 9:
      return c === 97 && is(text, start, 'attribute') ? HOLDS_VALUE | HOLDS_INPUT : 0;
    case 10:
      return text.startsWith('grant_type', start) ? HOLDS_CODE : 0;
    case 11:
      return text.startsWith('phoneNumber', start) ? HOLDS_OTP : 0;
    case 12:
      if (text.startsWith('phone_number', start) || text.startsWith('mobileNumber', start)) return HOLDS_OTP;
      return text.startsWith('ParameterKey', start) ? HOLDS_VALUE : text.startsWith('redirect_uri', start) ? HOLDS_CODE : 0;
    case 13:
      return text.startsWith('code_verifier', start) ? HOLDS_CODE : 0;
    default:
      return 0;
  }
}

/** What the key text[start, end) holds when a sibling names it: HOLDS_VALUE, HOLDS_CODE, or 0. */
export function holderKind(text: string, start: number, end: number): number {
  const c = first(text, start);
  switch (end - start) {
    case 1: {
      const k = text.charCodeAt(start);
      return k === 100 || k === 112 || k === 113 || k === 107 ? HOLDS_JWK : 0;
    }
    case 2:
      return text.startsWith('dp', start) || text.startsWith('dq', start) || text.startsWith('qi', start) ? HOLDS_JWK : 0;
    case 3:
      return c === 118 && is(text, start, 'val') ? HOLDS_VALUE : 0;
    case 4:
      if (c === 99) return text.startsWith('code', start) ? HOLDS_CODE | HOLDS_OTP : 0;
      return (c === 100 && is(text, start, 'data')) || (c === 116 && is(text, start, 'text')) ? HOLDS_VALUE : 0;
    case 5:
      if (c === 105) return is(text, start, 'input') ? HOLDS_INPUT : 0;
      return c === 118 && is(text, start, 'value') ? HOLDS_VALUE | HOLDS_PATCH_VALUE : 0;
    case 7:
      return c === 99 && is(text, start, 'content') ? HOLDS_VALUE : 0;
    case 10:
      // a Kubernetes Secret's plain-text form, as `kubectl apply`, Helm and Argo send it
      return text.startsWith('stringData', start) ? HOLDS_VALUE : 0;
    case 13:
      return text.startsWith('rejectedValue', start) || text.startsWith('originalValue', start) ? HOLDS_VALUE : 0;
    case 14:
      return text.startsWith('ParameterValue', start) ? HOLDS_VALUE : 0;
    default:
      return 0;
  }
}
