// The idle floor of a runtime: a script that loads nothing and waits until it is killed.
// The CPU benchmark reads its RSS to show how much of a worker's memory is the runtime's own.
console.log("ready");
setInterval(() => {}, 60_000);
