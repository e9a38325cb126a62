// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title TestPriceFeed
 * @notice Test-only price feed with the read surface of Chainlink's AggregatorV3Interface
 * (`decimals`, `description`, `version`, `getRoundData`, `latestRoundData`), so Kassa's rate
 * source reads it exactly as it reads a real aggregator. Starts at 2,500 USD per ETH with 8
 * decimals, as Chainlink's ETH / USD feeds quote. Anyone may move it: local chains only.
 */
contract TestPriceFeed {
    struct Round {
        int256 answer;
        uint256 startedAt;
        uint256 updatedAt;
        uint80 answeredInRound;
    }

    /// @notice Decimals of every answer: 250000000000 with 8 decimals is 2,500.
    uint8 public constant decimals = 8;
    /// @notice What the feed prices, in Chainlink's "BASE / QUOTE" form.
    string public constant description = "ETH / USD";
    /// @notice Aggregator version, as Chainlink's v3 aggregators answer it.
    uint256 public constant version = 4;

    uint80 private latestRound;
    mapping(uint80 => Round) private rounds;

    /// @notice Emitted on every new round, as Chainlink's AggregatorInterface does.
    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);

    constructor() {
        _newRound(2500_00000000, block.timestamp);
    }

    /// @notice Starts a new round with `answer`, updated now.
    function setAnswer(int256 answer) external {
        _newRound(answer, block.timestamp);
    }

    /// @notice Starts a new round with `answer` and an explicit `updatedAt` (unix seconds), e.g. an old one to make the feed stale.
    function setRound(int256 answer, uint256 updatedAt) external {
        _newRound(answer, updatedAt);
    }

    /// @notice Marks the latest round as answered in an earlier round (a round still in progress carrying an old answer).
    function setAnsweredInRound(uint80 answeredInRound) external {
        rounds[latestRound].answeredInRound = answeredInRound;
    }

    /// @notice The round `roundId`; reverts with "No data present" for a round that never was, as Chainlink's feeds do.
    function getRoundData(uint80 _roundId)
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        require(_roundId != 0 && _roundId <= latestRound, "No data present");
        Round storage round = rounds[_roundId];
        return (_roundId, round.answer, round.startedAt, round.updatedAt, round.answeredInRound);
    }

    /// @notice The latest round.
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        Round storage round = rounds[latestRound];
        return (latestRound, round.answer, round.startedAt, round.updatedAt, round.answeredInRound);
    }

    function _newRound(int256 answer, uint256 updatedAt) private {
        uint80 roundId = latestRound + 1;
        latestRound = roundId;
        rounds[roundId] = Round(answer, updatedAt, updatedAt, roundId);
        emit AnswerUpdated(answer, roundId, updatedAt);
    }
}
