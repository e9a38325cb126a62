// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

interface IDepositFactoryFlush {
    struct FlushRequest {
        address treasury;
        bytes32 salt;
        address[] tokens;
    }

    function flush(address treasury, bytes32 salt, address[] calldata tokens) external returns (address);
    function flushMany(FlushRequest[] calldata requests) external;
}

interface IDepositForwarderAttack {
    function flush(address token) external;
    function initialize(address treasury) external;
}

/**
 * @title ReentrantToken
 * @notice Test-only malicious ERC-20: when a deposit address sends it, `transfer` calls back
 * into the factory and the paying forwarder (flush again, flush another token, flushMany with
 * the attacker as treasury, re-initialize to the attacker) before or after moving the balance.
 * Each re-entry is attempted once and its failure is swallowed, so the test sees where funds end.
 */
contract ReentrantToken is ERC20 {
    address public immutable attacker;
    IDepositFactoryFlush public factory;
    bytes32 public salt;
    address public otherToken;
    bool public hookBeforeTransfer;
    bool private _inHook;
    uint256 public reentries;

    constructor() ERC20("Reentrant Token", "RNT") {
        attacker = msg.sender;
    }

    /// @notice Anyone may mint: test chains only.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Arms the hook for transfers out of the deposit address of (`treasury`, `salt_`).
    function arm(IDepositFactoryFlush factory_, bytes32 salt_, address otherToken_, bool before) external {
        factory = factory_;
        salt = salt_;
        otherToken = otherToken_;
        hookBeforeTransfer = before;
    }

    function transfer(address to, uint256 value) public override returns (bool) {
        if (hookBeforeTransfer) _attack(to);
        bool ok = super.transfer(to, value);
        if (!hookBeforeTransfer) _attack(to);
        return ok;
    }

    function _attack(address treasury) private {
        if (_inHook || address(factory) == address(0)) return;
        _inHook = true;
        reentries += 1;
        IDepositForwarderAttack forwarder = IDepositForwarderAttack(msg.sender);
        // Flush this token again, and another token, through the forwarder and the factory.
        try forwarder.flush(address(this)) {} catch {}
        try forwarder.flush(otherToken) {} catch {}
        address[] memory tokens = new address[](2);
        tokens[0] = address(this);
        tokens[1] = otherToken;
        try factory.flush(treasury, salt, tokens) {} catch {}
        // The same salt with the attacker as treasury is another (empty) address.
        IDepositFactoryFlush.FlushRequest[] memory requests = new IDepositFactoryFlush.FlushRequest[](1);
        requests[0] = IDepositFactoryFlush.FlushRequest({treasury: attacker, salt: salt, tokens: tokens});
        try factory.flushMany(requests) {} catch {}
        // Rebind the forwarder to the attacker.
        try forwarder.initialize(attacker) {} catch {}
        _inHook = false;
    }
}
