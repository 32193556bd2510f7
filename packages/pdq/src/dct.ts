/**
 * The 16x64 DCT-II matrix of the reference, row-major: D[i][j] = float32(sqrt(2/64) * cos(pi/2/64 * (i+1) * (2j+1))).
 * Row 0 of the full DCT (the DC term) is left out: PDQ never uses it.
 * The scale factor is a float32 and the cosine a double, so the product is formed in double and rounded once.
 */
export const DCT_ROWS = 16;
export const DCT_COLS = 64;

export function buildDctMatrix(): Float32Array {
  const scale = Math.fround(Math.sqrt(2 / 64));
  const m = new Float32Array(DCT_ROWS * DCT_COLS);
  for (let i = 0; i < DCT_ROWS; i++) {
    for (let j = 0; j < DCT_COLS; j++) {
      m[i * DCT_COLS + j] = scale * Math.cos((Math.PI / 2 / 64) * (i + 1) * (2 * j + 1));
    }
  }
  return m;
}

export const DCT_MATRIX: Float32Array = buildDctMatrix();
