/** ClickHouse Keeper's `lgif` answer (`name<TAB>value` lines) as a map. */
export function parseLgif(text: string): Map<string, number> {
  const fields = new Map<string, number>();
  for (const line of text.trim().split('\n')) {
    const [name = '', value = ''] = line.split('\t');
    fields.set(name, Number(value));
  }
  return fields;
}
