import { z } from "zod";

/** The API's shape of a folder of a tenant's tree. */
export const folderSchema = z.object({
  id: z.number(),
  key: z.string().describe("The folder's UUID; a path's `{folder}` accepts it, the id or the folder's path"),
  name: z.string(),
  description: z.string().nullable(),
  parentId: z.number().nullable(),
  path: z.string(),
  depth: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Folder = z.infer<typeof folderSchema>;
