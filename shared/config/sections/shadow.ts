import { setting, httpUrl } from '../setting.js';

/** Settings of shadow mode (proxy side and worker side). */
export const shadowSettings = {
  shadowTarget: setting({
    schema: httpUrl.optional(),
    env: 'PARITY_SHADOW_TARGET',
    flag: '--shadow <url>',
    doc: 'URL of the shadow deployment sampled live requests are mirrored to.',
  }),
};
