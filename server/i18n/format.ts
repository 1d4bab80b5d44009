/**
 * The one interpolation of the catalogs: `{name}` in a template becomes
 * `values.name`. A placeholder without a value is left as it is, so a
 * missing value shows up instead of vanishing. Values are not scanned again.
 */
export function interpolate(template: string, values: Readonly<Record<string, string | number>> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = values[name];
    return value === undefined || value === null ? whole : String(value);
  });
}
