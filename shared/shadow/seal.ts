import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { parityError } from '../errors.js';

/**
 * AES-256-GCM sealing of opt-in raw shadow requests. A sealed box is
 * `version (1 byte) | IV (12) | tag (16) | ciphertext`; the additional data
 * binds it to the Redis key it is stored under, so a box moved to another key
 * does not open. Only proxies and workers hold the key (PARITY_SHADOW_KEY).
 */

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Decodes PARITY_SHADOW_KEY (64 hex digits or base64) into its 32 bytes. */
export function parseShadowKey(text: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) {
    throw parityError('PARITY_ERR_SHADOW_KEY', 'PARITY_SHADOW_KEY must be 32 bytes, given as 64 hex digits or base64');
  }
  return key;
}

export function seal(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(VERSION), iv, cipher.getAuthTag(), body]);
}

/** Opens a sealed box; throws PARITY_ERR_SHADOW_SEAL when the key is wrong or the box was altered. */
export function open(key: Buffer, box: Buffer, aad: string): Buffer {
  if (box.length < 1 + IV_BYTES + TAG_BYTES || box[0] !== VERSION) {
    throw parityError('PARITY_ERR_SHADOW_SEAL', `sealed shadow request ${aad} is malformed`);
  }
  const iv = box.subarray(1, 1 + IV_BYTES);
  const tag = box.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(box.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    // the cipher's own message ("Unsupported state or unable to authenticate data") says nothing useful
    throw parityError('PARITY_ERR_SHADOW_SEAL', `sealed shadow request ${aad} did not open: wrong key or altered data`);
  }
}
