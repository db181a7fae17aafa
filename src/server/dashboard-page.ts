// The dashboard: one self-contained page (no CDN: it works offline).

export function dashboardPage(): string {
  return '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>vfioctl</title></head><body><h1>vfioctl</h1></body></html>';
}
