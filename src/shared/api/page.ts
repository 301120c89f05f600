import { z } from "zod";

/** A page of a list: `{items, nextCursor}` (API.md "Lists"). */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** What the web reads of any list page (some lists have no cursor at all). */
export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
  /** How many items match over all pages, where the list counts them. */
  total?: number;
}
