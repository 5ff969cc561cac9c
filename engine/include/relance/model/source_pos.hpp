// A place in a workflow or config file, for diagnostics.
#pragma once

#include <string>

namespace relance::model {

struct SourcePos {
    std::string file;
    int line = 0;
    int column = 0;
    std::string str() const;  // "file:line:col"
};

}  // namespace relance::model
