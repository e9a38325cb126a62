// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title TestUSDT
 * @notice Local-chain stand-in for mainnet USDT (TetherToken, 0xdAC17F958D2ee523a2206206994597C13D831ec7):
 * 6 decimals and, like it, `transfer`, `transferFrom` and `approve` return NOTHING instead of
 * the `bool` ERC-20 requires. Callers that decode a return value revert on it, which is what
 * this token exists to catch. Anyone may mint.
 * @dev Hand-written on purpose: OpenZeppelin's ERC20 cannot drop the return values.
 */
contract TestUSDT {
    string public constant name = "Test Tether USD";
    string public constant symbol = "USDT";
    uint8 public constant decimals = 6;

    uint256 public totalSupply;
    mapping(address account => uint256) public balanceOf;
    mapping(address owner => mapping(address spender => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    /// @notice Creates `amount` base units for `to`. Test chains only: there is no access control.
    function mint(address to, uint256 amount) external {
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    function transfer(address to, uint256 value) external {
        _transfer(msg.sender, to, value);
    }

    function transferFrom(address from, address to, uint256 value) external {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            require(allowed >= value, "USDT: allowance");
            allowance[from][msg.sender] = allowed - value;
        }
        _transfer(from, to, value);
    }

    function approve(address spender, uint256 value) external {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
    }

    function _transfer(address from, address to, uint256 value) private {
        require(balanceOf[from] >= value, "USDT: balance");
        balanceOf[from] -= value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }
}
