import QRCode from 'qrcode';

/**
 * A QR code as an SVG data: URL, drawn here (no external service sees the secret) and allowed by
 * our pages' CSP (img-src 'self' data:).
 */
export async function qrCodeDataUrl(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}
