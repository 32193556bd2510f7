import pg from 'pg';

/**
 * A throw-away PostgreSQL database for one benchmark run: dropped first in case a killed run
 * left it behind, and dropped again by `drop()`.
 */
export async function createScratchDatabase(
  baseUrl: string,
  name: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const dropIt = async () => {
    const client = new pg.Client({ connectionString: baseUrl });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await client.end();
    }
  };
  await dropIt();
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: dropIt };
}
