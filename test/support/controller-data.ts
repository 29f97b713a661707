// The data folder a controller's first start leaves: its database. The office commands (loa controller unit add,
// loa content …, loa report) refuse a folder without one.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { openControllerDb } from '../../controller/db/database.js';

export async function makeControllerData(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true });
  await (await openControllerDb(join(folder, 'controller.db'))).close();
}
