/** Every TypeORM entity of the app. A new entity is added here and gets a migration in `migrations/`. */
export const entities: Function[] = [];
