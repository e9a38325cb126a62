// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title NativeSender
 * @notice Test-only contract wallet that pays native coin with a plain call forwarding all gas,
 * as contract wallets and routers do (the 2,300-gas `transfer` case is StipendSender).
 */
contract NativeSender {
    function payByCall(address payable to) external payable {
        (bool ok, ) = to.call{value: msg.value}("");
        require(ok, "NativeSender: call failed");
    }
}
