// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title EthForwarder
 * @notice Test-only stand-in for a contract wallet or router that pays on a customer's behalf:
 * the customer's transaction goes to this contract, which sends the coin on to the recipient
 * in an internal call. The recipient receives value without any transaction addressed to it
 * and without a log, which a chain watcher scanning transactions cannot see.
 */
contract EthForwarder {
    function forward(address payable to) external payable {
        (bool ok, ) = to.call{value: msg.value}("");
        require(ok, "forward failed");
    }
}
