// The runtime floor: a Worker that answers at once.
export default {
  fetch() {
    return new Response("ok");
  },
};
