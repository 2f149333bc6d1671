import { describe, expect, it } from 'vitest';
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import { isCredentialName } from '../../shared/anonymise/credentials.js';
import type { HeaderPair } from '../../shared/record/schema.js';
import { testRecord } from '../helpers/record.js';

/**
 * Credential names a review of realistic payloads found stored raw
 * (2026-12-07): one-time codes, a password given twice, a security answer,
 * Django's password1/password2 and a signed URL's `sig`.
 */

const anonymise = createRecordAnonymiser({ key: 'names-test-key-0123456789' });
const JSON_TYPE: HeaderPair[] = [['content-type', 'application/json']];
const FORM: HeaderPair[] = [['content-type', 'application/x-www-form-urlencoded']];
const SECRET = 'Zq7xK2pL9w';

describe('credential names: one-time codes, repeated passwords, answers, signatures', () => {
  const named = ['totp', 'hotp', 'mfa_code', 'mfaCode', 'verification_code', 'verificationCode', 'otp_code', 'sms-code', 'passcode', 'securityCode', 'reset_code', 'loginCode', 'one_time_code', 'auth_code', 'newPasswordConfirm', 'password_repeat', 'passwordAgain', 'password1', 'password2', 'securityAnswer', 'security_answer', 'sig', 'cardPin', 'debit_card_pin', 'atm_pin'];
  const other = ['pincode', 'countryCode', 'currency_code', 'statusCode', 'zip_code', 'cityCode', 'promo_code', 'domain', 'seat', 'answer', 'design', 'signal', 'confirm', 'code', 'errorCode', 'key1', 'user_code', 'pin', 'cardPinned'];

  it('are credential names; their look-alikes are not', () => {
    for (const n of named) expect(isCredentialName(n), n).toBe(true);
    for (const n of other) expect(isCredentialName(n), n).toBe(false);
  });

  it('pseudonymise their values in JSON, and leave the look-alikes byte for byte', () => {
    const body = Object.fromEntries(named.map((n) => [n, SECRET]));
    const out = anonymise(testRecord({ reqHeaders: JSON_TYPE, reqBody: JSON.stringify(body) })).req.body.bytes.toString();
    for (const [k, v] of Object.entries(JSON.parse(out) as Record<string, string>)) {
      expect(v, k).not.toBe(SECRET);
      expect(v, k).toHaveLength(SECRET.length);
    }
    const clean = JSON.stringify(Object.fromEntries(other.map((n) => [n, SECRET])));
    expect(anonymise(testRecord({ reqHeaders: JSON_TYPE, reqBody: clean })).req.body.bytes.toString()).toBe(clean);
  });

  it("pseudonymise Django's sign-up form and a signed URL's sig", () => {
    const form = anonymise(testRecord({ reqHeaders: FORM, reqBody: `username=priya&password1=${SECRET}&password2=${SECRET}` })).req.body.bytes.toString();
    expect(form).toMatch(/^username=priya&password1=[^&]+&password2=[^&]+$/);
    expect(form).not.toContain(SECRET);
    const sas = `/container/blob.pdf?sv=2022-11-02&ss=b&sp=r&se=2026-12-08T00:00:00Z&sig=${SECRET}%3D`;
    const url = anonymise(testRecord({ url: sas })).url;
    expect(url).not.toContain(SECRET);
    expect(url).toMatch(/^\/container\/blob\.pdf\?sv=2022-11-02&ss=b&sp=r&se=2026-12-08T00:00:00Z&sig=/);
  });
});
