import { ValidationError } from '@kassa/domain';

/**
 * A time filter from the query string (already checked as ISO 8601) as a Date, refused
 * unless its year is 1 to 9999, the range every part of Kassa (and PostgreSQL) handles.
 * @throws ValidationError naming `field`
 */
export function timestampFilter(field: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < 1 || year > 9999) throw ValidationError.field(field, 'must be a date-time between the years 1 and 9999');
  return date;
}
