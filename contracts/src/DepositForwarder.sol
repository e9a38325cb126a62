// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";

/**
 * @title DepositForwarder
 * @notice Per-payment deposit address. Deployed only as an EIP-1167 clone by DepositFactory at a
 * CREATE2 address that commits to its treasury; whatever it holds can only ever be sent to that
 * treasury, by anyone, through {flush}.
 *
 * @dev Gas for plain native sends (EIP-1167, EIP-2929):
 * - Before the clone is deployed the deposit address has no code, so a plain 21,000-gas transfer
 *   works, as does a Solidity `transfer`/`send` from a contract. This is the normal case: the
 *   customer pays first and the clone is deployed when the payment is settled.
 * - Once deployed, a transfer runs the clone's code, which DELEGATECALLs this implementation.
 *   21,000 gas is only the intrinsic cost of a transaction: a 21,000-gas transfer leaves 0 gas
 *   for code, so it fails (out of gas) whatever {receive} does. The real cost is 23,712 gas
 *   (measured in contracts/test/native-deposit-gas.spec.ts): 21,000 + 2,600 for the cold
 *   DELEGATECALL + ~112 for the proxy and {receive}; wallets that estimate gas provide it.
 *   For the same reason a Solidity `transfer`/`send` (2,300 gas stipend) from a contract
 *   cannot pay a deployed clone unless the implementation is warm (EIP-2930 access list).
 * {receive} is therefore empty: it must not make a late payment cost more than that.
 *
 * Reentrancy: {flush} keeps no state and its only destination is the fixed treasury. It reads
 * the balance, then transfers it all; a nested {flush} (e.g. from a treasury contract or a token
 * hook) can only move what is left, to the same treasury, so no guard (and no guard's storage
 * write on every settlement) is needed.
 */
contract DepositForwarder {
    using SafeERC20 for IERC20;

    /// @dev Address of the implementation itself, kept in code (not storage) so that clones,
    /// which run this code with their own address, can tell they are not the implementation.
    address private immutable _self;

    address private _treasury;

    /// @notice `amount` (base units) of `token` (address(0) = native coin) was sent to the treasury.
    event Flushed(address indexed token, uint256 amount);

    /// @notice initialize was called on the implementation, which must never hold a treasury.
    error ImplementationLocked();
    /// @notice initialize was called on a clone that already has a treasury.
    error AlreadyInitialized();
    /// @notice initialize was called with the zero address.
    error ZeroTreasury();
    /// @notice flush was called on a forwarder without a treasury (the implementation).
    error NotInitialized();

    constructor() {
        _self = address(this);
    }

    /**
     * @notice Binds this clone to `treasury_`, once. DepositFactory calls it in the transaction
     * that deploys the clone, so no one can initialize a factory clone first.
     * @dev Reverts with ImplementationLocked on the implementation, AlreadyInitialized on a
     * clone with a treasury, ZeroTreasury for address(0).
     */
    function initialize(address treasury_) external {
        if (address(this) == _self) revert ImplementationLocked();
        if (_treasury != address(0)) revert AlreadyInitialized();
        if (treasury_ == address(0)) revert ZeroTreasury();
        _treasury = treasury_;
    }

    /// @notice The only address this forwarder can send funds to (address(0) if uninitialized).
    function treasury() external view returns (address) {
        return _treasury;
    }

    /**
     * @notice Sends this forwarder's whole balance of `token` to the treasury. address(0) means the
     * native coin. A zero balance is a no-op (no event). Anyone may call.
     * @dev SafeERC20 accepts tokens whose `transfer` returns nothing (USDT style). Reverts with
     * NotInitialized without a treasury, and bubbles up a failing transfer.
     */
    function flush(address token) external {
        address to = _treasury;
        if (to == address(0)) revert NotInitialized();
        uint256 amount;
        if (token == address(0)) {
            amount = address(this).balance;
            if (amount == 0) return;
            emit Flushed(token, amount);
            Address.sendValue(payable(to), amount);
        } else {
            amount = IERC20(token).balanceOf(address(this));
            if (amount == 0) return;
            emit Flushed(token, amount);
            IERC20(token).safeTransfer(to, amount);
        }
    }

    /// @notice Accepts native coin and does nothing else; see the contract notes on gas.
    receive() external payable {}
}
