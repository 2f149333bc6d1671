// msgpackr wraps require('msgpackr-extract') in try/catch and uses its pure
// JavaScript string decoder when the native accelerator cannot be loaded.
throw new Error('msgpackr-extract is not installed: using the JavaScript decoder');
