// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

interface IFlushable {
    function flush(address token) external;
}

/**
 * @title ReentrantTreasury
 * @notice Test-only treasury that, when paid in native coin, calls `flush(address(0))` back on the
 * paying forwarder once, to show that a reentrant flush neither reverts nor diverts funds.
 */
contract ReentrantTreasury {
    uint256 public reentered;

    receive() external payable {
        if (reentered == 0) {
            reentered = 1;
            IFlushable(msg.sender).flush(address(0));
        }
    }
}
