import { selectJson } from './monitoring-log-filter';

/**
 * Renders an EventBridge input transformer for an event the way EventBridge does for a text
 * template: each `<key>` becomes the value at its path (unescaped), a key whose path the event
 * lacks becomes empty. The template here is CDK's multiline form: one JSON string per line,
 * which a target receives as those lines.
 */
export function renderInputTransformer(transformer: { InputPathsMap: Record<string, string>; InputTemplate: string }, event: unknown): string {
  const text = transformer.InputTemplate.replace(/<([\w.-]+)>/g, (_whole, key: string) => {
    const path = transformer.InputPathsMap[key];
    if (path === undefined) throw new Error(`input template uses <${key}>, which InputPathsMap does not define`);
    const value = selectJson(path, event);
    return value === undefined ? '' : String(value);
  });
  return text.split('\n').map((line) => JSON.parse(line) as string).join('\n');
}
