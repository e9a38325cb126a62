// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {DepositForwarder} from "./DepositForwarder.sol";

/**
 * @title DepositFactory
 * @notice Computes, deploys and flushes per-payment deposit addresses: EIP-1167 clones of one
 * DepositForwarder implementation, placed with CREATE2 (EIP-1014) under the effective salt
 * `keccak256(abi.encode(treasury, salt))`, so an address commits to the treasury it pays.
 * Anyone may call {deploy}, {flush} and {flushMany}: funds can only go to the bound treasury.
 */
contract DepositFactory {
    /// @notice The DepositForwarder every deposit address delegates to, deployed by this factory.
    address public immutable implementation;

    /// @notice One deposit address of a {flushMany} batch: its treasury, its salt, and the tokens
    /// (address(0) = native coin) to send.
    struct FlushRequest {
        address treasury;
        bytes32 salt;
        address[] tokens;
    }

    /// @notice The clone for (`treasury`, `salt`) was deployed at `forwarder` and bound to `treasury`.
    event ForwarderDeployed(address indexed treasury, bytes32 indexed salt, address forwarder);

    constructor() {
        implementation = address(new DepositForwarder());
    }

    /// @notice The deposit address for (`treasury`, `salt`), whether deployed or not.
    function depositAddress(address treasury, bytes32 salt) public view returns (address) {
        return Clones.predictDeterministicAddress(implementation, _effectiveSalt(treasury, salt));
    }

    /**
     * @notice Deploys and initializes the clone for (`treasury`, `salt`) unless it already has
     * code; returns its address either way (idempotent).
     * @dev Reverts with DepositForwarder.ZeroTreasury for address(0).
     */
    function deploy(address treasury, bytes32 salt) public returns (address forwarder) {
        forwarder = depositAddress(treasury, salt);
        if (forwarder.code.length != 0) return forwarder;
        Clones.cloneDeterministic(implementation, _effectiveSalt(treasury, salt));
        DepositForwarder(payable(forwarder)).initialize(treasury);
        emit ForwarderDeployed(treasury, salt, forwarder);
    }

    /**
     * @notice Deploys the clone for (`treasury`, `salt`) if needed, then sends its whole balance
     * of every token in `tokens` (address(0) = native coin) to `treasury`.
     */
    function flush(address treasury, bytes32 salt, address[] calldata tokens) external returns (address forwarder) {
        forwarder = _flush(treasury, salt, tokens);
    }

    /**
     * @notice {flush} for several deposit addresses in one transaction, in order: each request
     * deploys its clone if needed and sends the listed tokens to that clone's own treasury.
     * Requests may name different treasuries; none can move funds anywhere else.
     * @dev All or nothing: a failing flush (e.g. a token whose transfer reverts) reverts the
     * whole batch, so callers simulate first and leave a failing request out.
     */
    function flushMany(FlushRequest[] calldata requests) external {
        for (uint256 i = 0; i < requests.length; ++i) {
            _flush(requests[i].treasury, requests[i].salt, requests[i].tokens);
        }
    }

    function _flush(address treasury, bytes32 salt, address[] calldata tokens) private returns (address forwarder) {
        forwarder = deploy(treasury, salt);
        for (uint256 i = 0; i < tokens.length; ++i) {
            DepositForwarder(payable(forwarder)).flush(tokens[i]);
        }
    }

    function _effectiveSalt(address treasury, bytes32 salt) private pure returns (bytes32) {
        return keccak256(abi.encode(treasury, salt));
    }
}
