// A fixed 512-bit RSA key for the demo's crypto steps (public test data, made once with
// node:crypto), so the transcript is the same on every run.

export const DEMO_KEY = {
  n: 'e69293b4583f911f2d1611343e573e3f669a6169b4488bb38a7b940046914c9c4e74b1a4d1f507f51fea09eafceaf47e1c797bc2bba66ebd8d29a17e9639756d',
  e: '010001',
  p: 'f52d92252b9d8a5b88c6e1ba2e0d2b35fc7200c01730bb222cf30800310b7f99',
  q: 'f0bff82f5010f7bfe76e2b5fc51f605178879bd236d986dcac6b275a559218f5',
  dp: 'ba5a81ebb8c40cc6d8267aa9fd98cad044ea0e01f35e79ce5725fe5dcee97379',
  dq: '8b46e3b3ab64458fd5b95c8a6925bfb9223b819fd96f7a9fcb77aa2a8e7a98c9',
  qinv: '13a156b2bba058de4fff81820d7e0c03e6e715c6562af94ca407b46961d70612',
  /** The message the demo signs: "vfioctl demo" right-justified in 64 bytes. */
  input: Buffer.from('vfioctl demo', 'latin1').toString('hex').padStart(128, '0'),
} as const;
