// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title TestUSDC
/// @notice Local-chain stand-in for USDC: standard ERC-20, 6 decimals, anyone may mint.
contract TestUSDC is ERC20 {
    constructor() ERC20("Test USD Coin", "USDC") {}

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice Creates `amount` base units for `to`. Test chains only: there is no access control.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
