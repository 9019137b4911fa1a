// An independent client of stylus-node (viem): reads the chain, sends an EIP-1559 transfer,
// deploys a Stylus contract (cargo-stylus's init code around the brotli-compressed WASM),
// activates it through ArbWasm with its data fee, calls it, and decodes a custom error.
//
// usage: STYLUS_NODE_URL=http://127.0.0.1:8547 node e2e.mjs path/to/mock-erc20.wasm
// Exits non-zero on the first failed check.
import { readFileSync } from 'node:fs';
import { brotliCompressSync, constants } from 'node:zlib';
import assert from 'node:assert/strict';
import {
  BaseError,
  ContractFunctionRevertedError,
  concat,
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  keccak256,
  numberToHex,
  parseAbi,
  parseEther,
  parseGwei,
  size,
  toHex,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

const url = process.env.STYLUS_NODE_URL ?? 'http://127.0.0.1:8547';
const wasmPath = process.argv[2];
if (!wasmPath) {
  console.error('usage: node e2e.mjs path/to/contract.wasm');
  process.exit(2);
}

const chain = defineChain({
  id: 412346,
  name: 'stylus-node',
  nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
  rpcUrls: { default: { http: [url] } },
});
// anvil's test mnemonic, account 5 (the README lists the dev keys)
const account = privateKeyToAccount('0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba');
const publicClient = createPublicClient({ chain, transport: http(url), pollingInterval: 100 });
const wallet = createWalletClient({ chain, transport: http(url), account });

const arbWasm = '0x0000000000000000000000000000000000000071';
const arbWasmAbi = parseAbi([
  'function activateProgram(address program) payable returns (uint16 version, uint256 dataFee)',
  'function stylusVersion() view returns (uint16)',
  'function codehashVersion(bytes32 codehash) view returns (uint16)',
  'error ProgramNotWasm()',
  'error ProgramNotActivated()',
  'error ProgramUpToDate()',
  'error ProgramInsufficientValue(uint256 have, uint256 want)',
]);
const tokenAbi = parseAbi([
  'function mint(address to, uint256 amount)',
  'function balanceOf(address account) view returns (uint256)',
  'function transfer(address to, uint256 value) returns (bool)',
  'error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)',
  'error ProgramNotActivated()',
  'event Transfer(address indexed from, address indexed to, uint256 value)',
]);

function revertOf(err) {
  if (!(err instanceof BaseError)) throw err;
  const reverted = err.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!reverted) throw err;
  return reverted.data;
}

let checks = 0;
function ok(what) {
  checks += 1;
  console.log(`ok ${checks} - ${what}`);
}

// 1. read the chain
assert.equal(await publicClient.getChainId(), 412346);
const start = await publicClient.getBlockNumber();
const latest = await publicClient.getBlock();
assert.equal(latest.number, start);
assert.equal(latest.baseFeePerGas, parseGwei('0.1'));
assert.equal(await publicClient.getBalance({ address: account.address }) > 0n, true);
ok(`chain 412346 at block ${start}, base fee 0.1 gwei`);

// 2. an EIP-1559 transfer
const to = '0x00000000000000000000000000000000000a11ce';
const before = await publicClient.getBalance({ address: to });
const transfer = await wallet.sendTransaction({ to, value: parseEther('0.5'), type: 'eip1559' });
const transferReceipt = await publicClient.waitForTransactionReceipt({ hash: transfer });
assert.equal(transferReceipt.status, 'success');
assert.equal(transferReceipt.type, 'eip1559');
assert.equal(transferReceipt.gasUsed, 21000n);
assert.equal(await publicClient.getBalance({ address: to }), before + parseEther('0.5'));
const tx = await publicClient.getTransaction({ hash: transfer });
assert.equal(tx.from.toLowerCase(), account.address.toLowerCase());
ok('EIP-1559 transfer mined, receipt and balances agree');

// 3. deploy: the init code cargo-stylus sends (EVM prelude, then EFF00000 and the brotli WASM)
const wasm = readFileSync(wasmPath);
const compressed = brotliCompressSync(wasm, {
  params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_LGWIN]: 22 },
});
const code = concat(['0xeff00000', toHex(compressed)]);
const prelude = concat(['0x7f', numberToHex(size(code), { size: 32 }), '0x80602b60003960' + '00f300']);
const deployHash = await wallet.sendTransaction({ data: concat([prelude, code]) });
const deployReceipt = await publicClient.waitForTransactionReceipt({ hash: deployHash });
assert.equal(deployReceipt.status, 'success');
const token = deployReceipt.contractAddress;
assert.ok(token);
assert.equal(await publicClient.getCode({ address: token }), code);
ok(`deployed at ${token}`);

// not activated yet: ProgramNotActivated, decoded
try {
  await publicClient.readContract({ address: token, abi: tokenAbi, functionName: 'balanceOf', args: [account.address] });
  assert.fail('a program that is not activated ran');
} catch (err) {
  assert.equal(revertOf(err)?.errorName, 'ProgramNotActivated');
}
ok('a deployed program does not run before activation');

// 4. activate with the data fee
const { result: [version, dataFee] } = await publicClient.simulateContract({
  account, address: arbWasm, abi: arbWasmAbi, functionName: 'activateProgram', args: [token], value: parseEther('1'),
});
assert.equal(version, 2);
try {
  await publicClient.simulateContract({
    account, address: arbWasm, abi: arbWasmAbi, functionName: 'activateProgram', args: [token], value: dataFee - 1n,
  });
  assert.fail('activation without the fee succeeded');
} catch (err) {
  const data = revertOf(err);
  assert.equal(data?.errorName, 'ProgramInsufficientValue');
  assert.deepEqual(data.args, [dataFee - 1n, dataFee]);
}
const activation = await wallet.writeContract({
  address: arbWasm, abi: arbWasmAbi, functionName: 'activateProgram', args: [token], value: dataFee,
});
assert.equal((await publicClient.waitForTransactionReceipt({ hash: activation })).status, 'success');
const codehashVersion = await publicClient.readContract({
  address: arbWasm, abi: arbWasmAbi, functionName: 'codehashVersion', args: [keccak256(code)],
});
assert.equal(codehashVersion, 2);
ok(`activated (data fee ${dataFee} wei)`);

// 5. call it, read its events
const mint = await wallet.writeContract({ address: token, abi: tokenAbi, functionName: 'mint', args: [account.address, 1000n] });
const mintReceipt = await publicClient.waitForTransactionReceipt({ hash: mint });
assert.equal(mintReceipt.status, 'success');
const pay = await wallet.writeContract({ address: token, abi: tokenAbi, functionName: 'transfer', args: [to, 400n] });
assert.equal((await publicClient.waitForTransactionReceipt({ hash: pay })).status, 'success');
assert.equal(await publicClient.readContract({ address: token, abi: tokenAbi, functionName: 'balanceOf', args: [to] }), 400n);
const events = await publicClient.getContractEvents({ address: token, abi: tokenAbi, eventName: 'Transfer', fromBlock: start });
assert.deepEqual(events.map((e) => e.args.value), [1000n, 400n]);
assert.equal(events[1].args.to.toLowerCase(), to);
ok('minted, transferred, read back; Transfer events found with eth_getLogs');

// 6. a custom error, decoded from the revert data of error 3
try {
  await publicClient.simulateContract({ account, address: token, abi: tokenAbi, functionName: 'transfer', args: [to, 10_000n] });
  assert.fail('an over-transfer succeeded');
} catch (err) {
  const data = revertOf(err);
  assert.equal(data?.errorName, 'ERC20InsufficientBalance');
  assert.equal(data.args[0].toLowerCase(), account.address.toLowerCase());
  assert.deepEqual(data.args.slice(1), [600n, 10_000n]);
}
ok('custom error ERC20InsufficientBalance(sender, 600, 10000) decoded');

console.log(`viem e2e: ${checks} passed, 0 failed`);
