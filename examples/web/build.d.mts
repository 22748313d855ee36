export declare function buildWebApp(): Promise<Record<'index.html' | 'app.js' | 'app.css', string>>;
