# See2Think's verifiable reward for external trainers: overall = accuracy_weight * accuracy + format_weight *
# format, computed exactly as core/reward/reward.ts does (last \boxed{} or r1v's <answer>, the answer match
# of core/reward/answerMatch.ts, the recipe's format regex with re.fullmatch and DOTALL). The stage bridge
# copies this file into the stage folder with see2think_reward.json (the recipe's reward) next to it and
# points the trainer here: EasyR1 worker.reward.reward_function=…:easyr1_compute_score, verl
# custom_reward_function (name verl_compute_score), TRL --reward_funcs see2think_reward.accuracy_reward
# see2think_reward.format_reward with --reward_weights. Standard library only.
# `python3 see2think_reward.py < cases.jsonl` scores {"response", "ground_truth"} lines (tests, checks).
import json
import os
import re
import sys

REWARD_NAME = "see2think"
REWARD_TYPE = "batch"  # EasyR1 after b637de8 reads the reward type from the module

DEFAULT_PATTERN = r"<think>.*</think>.*\\boxed\{.*\}.*"
R1V_FORMAT_PATTERN = r"<think>.*?</think>\s*<answer>.*?</answer>"
PAPER = {"name": "math", "accuracy_weight": 0.9, "format_weight": 0.1, "format_pattern": DEFAULT_PATTERN, "answer_key": "answer"}

# JavaScript's \s and String.prototype.trim() set, so spacing is read as core/reward does.
_JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_S = "[" + re.escape(_JS_SPACE) + "]"


def _trim(text):
    return text.strip(_JS_SPACE)


def load_config(path=None):
    """The recipe's reward (see2think_reward.json next to this file), else the paper's."""
    path = path or os.path.join(os.path.dirname(os.path.abspath(__file__)), "see2think_reward.json")
    config = dict(PAPER)
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            config.update(json.load(f))
    return config


def normalize_answer(raw):
    s = _trim(raw)
    prev = None
    while prev != s:
        prev = s
        s = re.sub(r"\\(?:text|textbf|textrm|mathrm|mathbf|mbox)" + _S + r"*\{([^{}]*)\}", r"\1", s)
    s = re.sub(r"\\[dt]frac", r"\\frac", s)
    s = re.sub(r"\\left|\\right|\\[!,;:]|\\ ", "", s)
    s = re.sub(r"\^" + _S + r"*\{?\\circ\}?", "", s)
    s = re.sub(r"\\?[$%]", "", s)
    s = re.sub(_S + "+", "", s)
    s = s.lower()
    s = re.sub(r"\.\Z", "", s)
    wrapped = re.fullmatch(r"\((.*)\)|\[(.*)\]", s)
    if wrapped:
        inner = wrapped.group(1) if wrapped.group(1) is not None else wrapped.group(2)
        if not re.search(r"[,()[\]]", inner):
            s = inner
    option = re.fullmatch(r"([a-z])[):]", s)
    return option.group(1) if option else s


def numeric_value(s):
    if re.fullmatch(r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)(e[-+]?[0-9]+)?", s):
        return float(s)
    if re.fullmatch(r"[-+]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?", s):
        return float(s.replace(",", ""))
    frac = re.fullmatch(r"([-+]?)(?:\\frac\{([-+]?[0-9]+\.?[0-9]*)\}\{([-+]?[0-9]+\.?[0-9]*)\}|\\frac([0-9])([0-9])|([0-9]+)/([0-9]+))", s)
    if frac:
        g = frac.groups()
        num = float(g[1] or g[3] or g[5])
        den = float(g[2] or g[4] or g[6])
        if den == 0:
            return None
        return (-1 if g[0] == "-" else 1) * (num / den)
    return None


def answers_match(given, truth):
    if given is None:
        return False
    a, b = normalize_answer(given), normalize_answer(truth)
    if a == b:
        return len(a) > 0
    x, y = numeric_value(a), numeric_value(b)
    if x is None or y is None:
        return False
    return abs(x - y) <= 1e-9 * max(1.0, abs(x), abs(y))


def extract_boxed(text):
    """Content of the last \\boxed{...}, nested braces kept; None if none or unclosed."""
    start = text.rfind("\\boxed{")
    if start < 0:
        return None
    begin = start + len("\\boxed{")
    depth = 0
    for i in range(begin, len(text)):
        c = text[i]
        if c == "{":
            depth += 1
        elif c == "}":
            if depth == 0:
                return _trim(text[begin:i])
            depth -= 1
    return None


def _fullmatch(pattern, text):
    return re.fullmatch(pattern, text, re.DOTALL) is not None


def score(response, ground_truth, config=None):
    """{"overall", "accuracy", "format", "answer"} as core/reward/reward.ts scoreResponse returns it."""
    c = config or load_config()
    if c["name"] == "r1v":
        pattern = R1V_FORMAT_PATTERN if c["format_pattern"] == DEFAULT_PATTERN else c["format_pattern"]
        fmt = 1 if _fullmatch(pattern, response) else 0
        m = re.search(r"<answer>([^\n\r\u2028\u2029]*?)</answer>", response)
        answer = _trim(m.group(1)) if m else _trim(response)
    else:
        text = re.sub(_S + r"*([<>/])" + _S + "*", r"\1", response)
        fmt = 1 if _fullmatch(c["format_pattern"], text) else 0
        answer = extract_boxed(text)
    accuracy = 1 if answers_match(answer, _trim(ground_truth)) else 0
    return {"overall": c["accuracy_weight"] * accuracy + c["format_weight"] * fmt, "accuracy": accuracy, "format": fmt, "answer": answer}


def _config(overrides):
    c = load_config()
    c.update({k: v for k, v in overrides.items() if k in PAPER})
    return c


# EasyR1 (batch reward function): worker.reward.reward_function=<this file>:easyr1_compute_score
def easyr1_compute_score(reward_inputs, **overrides):
    c = _config(overrides)
    out = []
    for r in reward_inputs:
        s = score(r["response"], str(r["ground_truth"]), c)
        out.append({"overall": s["overall"], "format": float(s["format"]), "accuracy": float(s["accuracy"])})
    return out


# verl (custom_reward_function, name verl_compute_score): "acc" makes accuracy verl's core validation metric.
def verl_compute_score(data_source=None, solution_str="", ground_truth="", extra_info=None, **overrides):
    s = score(solution_str, str(ground_truth), _config(overrides))
    return {"score": s["overall"], "acc": float(s["accuracy"]), "format": float(s["format"])}


def _text(completion):
    """A TRL completion: a string, or a conversation whose last message holds the text."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list) and completion:
        last = completion[-1]
        content = last.get("content", "") if isinstance(last, dict) else last
        if isinstance(content, list):
            return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
        return str(content)
    return str(completion)


def _truths(kwargs, n):
    key = load_config()["answer_key"]
    if key not in kwargs:
        raise KeyError(f"see2think_reward: the dataset has no '{key}' column (data.answer_key); columns: {sorted(kwargs)}")
    return [str(t) for t in kwargs[key]][:n]


# TRL reward functions (their names become the completions' columns and rewards/<name>/mean metrics);
# the weights come as --reward_weights accuracy_weight format_weight.
def accuracy_reward(completions, **kwargs):
    c = load_config()
    return [float(score(_text(x), t, c)["accuracy"]) for x, t in zip(completions, _truths(kwargs, len(completions)))]


def format_reward(completions, **kwargs):
    c = load_config()
    return [float(score(_text(x), "", c)["format"]) for x in completions]


if __name__ == "__main__":
    config = load_config(sys.argv[1] if len(sys.argv) > 1 else None)
    for line in sys.stdin:
        if line.strip():
            case = json.loads(line)
            print(json.dumps(score(case["response"], case["ground_truth"], case.get("reward", config))), flush=True)
