// The smallest plugin that does something per item: the bench measures the boundary, not the plugin.
export function activate(ctx) {
  return {
    // One result per request: a copy with one field changed.
    transform: (requests) => requests.map((r) => ({ ...r.value, title: String(r.value.title).toUpperCase() })),
    // One nested round trip back to the core (plugin → core → plugin) inside the call.
    publish: async (item) => ({ marketplaceId: `${item.skuId}-${(await ctx.secrets.get('token'))?.length ?? 0}` }),
    update: async () => ({}),
  };
}
