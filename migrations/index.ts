/** Every migration, oldest first. `npm run migration:generate -- Name` adds new ones here. */
export const migrations: Function[] = [];
