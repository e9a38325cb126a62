// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title StipendSender
 * @notice Test-only stand-in for a contract wallet that pays out with Solidity's `transfer`,
 * which forwards only the 2,300 gas stipend to the recipient.
 */
contract StipendSender {
    function pay(address payable to) external payable {
        to.transfer(msg.value);
    }
}
