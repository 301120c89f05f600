import type { Asset } from "../../../../src/shared/api/assets";
import type { AssetType } from "../../../../src/shared/assets";
import { api, withQuery } from "../../api/client";
import { tenantBase } from "../../api/endpoints";
import type { Page } from "../../api/types";

export type { Asset, AssetMachineValue, AssetValueView } from "../../../../src/shared/api/assets";

/** What a form sends: a credential's password may be left out on a change (it is kept). */
export type AssetValueInput = string | boolean | number | { username: string; password?: string };

export interface AssetInput {
  name?: string;
  description?: string | null;
  type?: AssetType;
  value?: AssetValueInput | null;
}

/** The assets endpoints of one tenant (`T/folders/{folder}/assets`, `T/assets/{id}`). */
export function assetsApi(org: string, tenant: string) {
  const T = tenantBase(org, tenant);
  return {
    list: (folderId: number, params: { q?: string; cursor?: string; limit?: number }) =>
      api.get<Page<Asset>>(withQuery(`${T}/folders/${folderId}/assets`, params)),
    create: (folderId: number, body: AssetInput) => api.post<Asset>(`${T}/folders/${folderId}/assets`, body),
    update: (id: number, body: AssetInput) => api.patch<Asset>(`${T}/assets/${id}`, body),
    remove: (id: number) => api.delete(`${T}/assets/${id}`),
    setMachineValue: (id: number, machineId: number, value: AssetValueInput) =>
      api.put<Asset>(`${T}/assets/${id}/machine-values/${machineId}`, { value }),
    removeMachineValue: (id: number, machineId: number) => api.delete(`${T}/assets/${id}/machine-values/${machineId}`),
  };
}
