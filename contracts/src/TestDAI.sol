// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title TestDAI
/// @notice Local-chain stand-in for DAI: standard ERC-20, 18 decimals, anyone may mint.
contract TestDAI is ERC20 {
    constructor() ERC20("Test Dai Stablecoin", "DAI") {}

    /// @notice Creates `amount` base units for `to`. Test chains only: there is no access control.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
